using System.Net;
using System.Net.Sockets;
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

    private static Dictionary<string, string> With(params (string Key, string? Value)[] changes)
    {
        var settings = Valid();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private static Task<CommandResult> StartAsync(Dictionary<string, string> settings) =>
        ServiceCommand.RunAsync("CrmApp", settings, "--urls", $"http://127.0.0.1:{TestEnvironment.FreePort()}");

    private static void AssertNoStackTrace(CommandResult result)
    {
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_WithValidSettings_ExitsZero_WithoutBindingItsPortOrTouchingTheDatabase()
    {
        // Note: the port is held by the test: a service that tried to listen on it would fail to start.
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var port = ((IPEndPoint)held.LocalEndpoint).Port;

        var result = await ServiceCommand.RunAsync("CrmApp", Valid(), "check-config", "--urls", $"http://127.0.0.1:{port}");

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
