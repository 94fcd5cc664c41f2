using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// <c>IdentityProvider.dll check-config</c> (and every start): one line per problem naming the key, Chinese and English,
/// exit 1, nothing listening, no stack trace; Production needs an https issuer.
/// </summary>
public sealed class ConfigCheckTests
{
    private static Dictionary<string, string> Valid() => new()
    {
        ["ConnectionStrings__Idp"] = "Server=127.0.0.1;Port=3307;Database=weixin_idp;User ID=idp_svc;Password=x",
        ["Oidc__Issuer"] = "https://idp.corp.example/",
        ["Oidc__SubjectKey"] = new string('k', 40),
        ["Oidc__Clients__0__Id"] = "grafana",
        ["Oidc__Clients__0__Secret"] = "a-long-enough-secret",
        ["Oidc__Clients__0__RedirectUris__0"] = "https://grafana.corp.example/login/generic_oauth",
        ["Gateway__BaseUrl"] = "http://127.0.0.1:5200",
        ["Gateway__ClientKey"] = new string('g', 40),
        ["Gateway__PublicBaseUrl"] = "https://idp.corp.example",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    };

    [Fact]
    public async Task ValidSettings_AreOk()
    {
        var result = await ServiceCommand.CheckConfigWithItsPortHeldAsync("IdentityProvider", Valid());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("配置有效", result.Output);
    }

    [Fact]
    public async Task BadSettings_AreEachNamed_AndNothingStarts()
    {
        var settings = ServiceCommand.With(Valid(),
            ("Oidc__Issuer", "http://idp.corp.example/"),
            ("Oidc__SubjectKey", "short"),
            ("Oidc__Clients__0__Secret", null),
            ("Oidc__Clients__0__RedirectUris__0", "https://grafana.corp.example/cb#frag"),
            ("Oidc__Clients__0__Subject", "email"));

        var result = await ServiceCommand.CheckConfigWithItsPortHeldAsync("IdentityProvider", settings);

        Assert.Equal(1, result.ExitCode);
        Assert.Null(result.StackTraceOrStart);
        Assert.Contains(result.Lines, l => l.StartsWith("Oidc:Issuer:", StringComparison.Ordinal) && l.Contains("https", StringComparison.Ordinal) && l.Contains("生产环境", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Oidc:SubjectKey:", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Oidc:Clients:0:Secret:", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Oidc:Clients:0:RedirectUris:0:", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Oidc:Clients:0:Subject:", StringComparison.Ordinal));
    }
}
