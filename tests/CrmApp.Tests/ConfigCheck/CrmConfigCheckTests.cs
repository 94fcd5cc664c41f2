using System.Security.Cryptography;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.ConfigCheck;

/// <summary>
/// Issue 15 item 4 for the CRM: a bad setting stops the real process with exit 1 and one line per problem naming the
/// key (Chinese / English, no stack trace); <c>check-config</c> says the same without starting: no port bound, no
/// database touched.
/// </summary>
public sealed class CrmConfigCheckTests
{
    private static string Key() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Settings the CRM starts with (as ./run.sh gives them); the database is a port where nothing listens.</summary>
    private static Dictionary<string, string> Valid() => new()
    {
        ["ConnectionStrings__Crm"] = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=crm;User ID=crm_svc;Password=unused",
        ["Gateway__BaseUrl"] = "http://127.0.0.1:5200",
        ["Gateway__ClientId"] = "crm",
        ["Gateway__ClientKey"] = Key(),
        ["Gateway__HookKeys__0"] = Key(),
        ["Gateway__PublicBaseUrl"] = "http://127.0.0.1:5300",
    };

    private static Dictionary<string, string> With(params (string Key, string? Value)[] changes) => ServiceCommand.With(Valid(), changes);

    private static Task<CommandResult> StartAsync(Dictionary<string, string> settings) => ServiceCommand.StartAsync("CrmApp", settings);

    private static void AssertNoStackTrace(CommandResult result) => Assert.True(result.StackTraceOrStart is null, $"printed '{result.StackTraceOrStart}':\n{result.Output}");

    [Fact]
    public async Task CheckConfig_WithValidSettings_ExitsZero_WithoutBindingItsPortOrTouchingTheDatabase()
    {
        var result = await ServiceCommand.CheckConfigWithItsPortHeldAsync("CrmApp", Valid());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["配置有效 / configuration OK"], result.Lines);
    }

    [Fact]
    public async Task Start_WithTheClientKeyAsHookKey_ExitsOne_NamingTheKey()
    {
        var settings = Valid();
        settings["Gateway__HookKeys__0"] = settings["Gateway__ClientKey"];

        var result = await StartAsync(settings);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("Gateway:HookKeys: 不能包含 Gateway:ClientKey", StringComparison.Ordinal));
        Assert.DoesNotContain(settings["Gateway__ClientKey"], result.Output, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_WithSeveralBadSettings_ExitsOne_WithOneLinePerProblem()
    {
        var result = await StartAsync(With(
            ("ConnectionStrings__Crm", null),
            ("Accounts__SelfRegistration", "maybe"),
            ("Accounts__SessionLifetime", "-00:01:00"),
            ("Login__ConfirmNewDevice", "perhaps")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("ConnectionStrings:Crm: 必须设置", StringComparison.Ordinal));
        Assert.Contains("Accounts:SelfRegistration: 只能是 approval、open、off / must be one of approval, open, off", result.Lines);
        Assert.Contains("Accounts:SessionLifetime: 必须是正的时间长度 / must be a positive duration", result.Lines);
        Assert.Contains("Login:ConfirmNewDevice: 必须是 true 或 false / must be true or false", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task CheckConfig_WithAMissingRequiredUrl_ExitsOne()
    {
        var result = await ServiceCommand.RunAsync("CrmApp", With(("Gateway__PublicBaseUrl", null)), "check-config");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Gateway:PublicBaseUrl: 必须设置 / is required", result.Lines);
        Assert.DoesNotContain("配置有效", result.Output, StringComparison.Ordinal);
    }
}
