using System.Security.Cryptography;

namespace Weixin.Inbox.IntranetPoller.Tests.ConfigCheck;

/// <summary>
/// Issue 15 item 4 for the poller and gateway: a bad setting stops the real process with exit 1 and one line per problem
/// naming the key (Chinese / English, no stack trace, no secret echoed); <c>check-config</c> says the same without
/// starting: no port bound, no database touched.
/// </summary>
public sealed class PollerConfigCheckTests
{
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    private static string Key() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Settings the poller starts with (as ./run.sh gives them); the database is a port where nothing listens.</summary>
    private static Dictionary<string, string> Valid() => new()
    {
        ["ConnectionStrings__Gateway"] = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=weixin_gateway;User ID=gateway_svc;Password=unused",
        ["Poller__InboxBaseUrl"] = "http://127.0.0.1:5000",
        ["PollerSigning__Keys__0"] = Key(),
        ["GatewaySigning__Clients__0__Id"] = "crm",
        ["GatewaySigning__Clients__0__Keys__0"] = Key(),
        ["Weixin__AppId"] = "wxconfigcheck",
        ["Weixin__AppSecret"] = "secret-for-config-check",
        ["Weixin__ApiBaseUrl"] = "http://127.0.0.1:5080",
        ["Weixin__OpenBaseUrl"] = "http://127.0.0.1:5080",
        ["Weixin__Token"] = "configchecktoken",
        ["Weixin__EncodingAESKey"] = AesKey,
        ["OAuth__CallbackUrl"] = "http://127.0.0.1:5000/wx/oauth/callback",
        ["OAuth__AllowedReturnPrefixes__0"] = "http://127.0.0.1:5300/",
        ["OAuth__DefaultErrorUrl"] = "http://127.0.0.1:5300/login",
        ["Messages__LoginUrl"] = "http://127.0.0.1:5300/login/weixin",
        ["CrmHook__BaseUrl"] = "http://127.0.0.1:5300",
        ["CrmHook__SigningKeys__0"] = Key(),
    };

    private static Dictionary<string, string> With(params (string Key, string? Value)[] changes) => ServiceCommand.With(Valid(), changes);

    private static Task<CommandResult> StartAsync(Dictionary<string, string> settings) => ServiceCommand.StartAsync("IntranetPoller", settings);

    private static void AssertNoStackTrace(CommandResult result) => Assert.True(result.StackTraceOrStart is null, $"printed '{result.StackTraceOrStart}':\n{result.Output}");

    [Fact]
    public async Task CheckConfig_WithValidSettings_ExitsZero_WithoutBindingItsPortOrTouchingTheDatabase()
    {
        var result = await ServiceCommand.CheckConfigWithItsPortHeldAsync("IntranetPoller", Valid());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["配置有效 / configuration OK"], result.Lines);
    }

    [Fact]
    public async Task Start_WithAMalformedEncodingAesKey_ExitsOne_NamingTheKey_WithoutEchoingIt()
    {
        const string badKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF";
        var result = await StartAsync(With(("Weixin__EncodingAESKey", badKey)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("Weixin:EncodingAESKey: 必须是公众号后台服务器配置中 43 个字符的 EncodingAESKey", StringComparison.Ordinal)
            && l.Contains(" / Weixin:EncodingAESKey must be the 43-character key", StringComparison.Ordinal));
        Assert.DoesNotContain(badKey, result.Output, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task CheckConfig_WithSeveralBadSettings_ExitsOne_WithOneLinePerProblem()
    {
        var result = await ServiceCommand.RunAsync("IntranetPoller", With(
            ("Weixin__Token", "my-token"),
            ("Push__MaxConcurrency", "999"),
            ("GatewaySigning__Clients__1__Id", "crm"),
            ("GatewaySigning__Clients__1__Keys__0", Key()),
            ("Poller__Interval", "soon")), "check-config");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("Weixin:Token: 必须是 3 到 32 个英文字母或数字", StringComparison.Ordinal));
        Assert.Contains("Push:MaxConcurrency: 必须在 1 到 64 之间 / must be between 1 and 64", result.Lines);
        Assert.Contains(result.Lines, l => l.StartsWith("GatewaySigning:Clients:1:Id: 客户端 id 重复 / ", StringComparison.Ordinal));
        Assert.Contains("Poller:Interval: 必须是时间长度，如 00:00:04（时:分:秒） / must be a duration such as 00:00:04 (hh:mm:ss)", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_InProduction_WithAnHttpCallbackUrl_ExitsOne()
    {
        var result = await StartAsync(With(("ASPNETCORE_ENVIRONMENT", "Production")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("OAuth:CallbackUrl: 在 Production 中必须是 https 网址 / OAuth:CallbackUrl must be an https URL in Production.", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task CheckConfig_WithAConnectionStringThatDoesNotParse_ExitsOne()
    {
        var result = await ServiceCommand.RunAsync("IntranetPoller", With(("ConnectionStrings__Gateway", "Database=weixin_gateway")), "check-config");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ConnectionStrings:Gateway: 必须包含 Server 和 Database / must name a Server and a Database", result.Lines);
    }
}
