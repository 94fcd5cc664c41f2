using System.Security.Cryptography;

namespace Weixin.Inbox.PublicInbox.Tests.ConfigCheck;

/// <summary>
/// Issue 15 item 4 for the inbox: a missing or malformed setting stops the real process with exit 1 and one line per
/// problem naming the key (Chinese / English, no stack trace), and <c>check-config</c> says the same without starting:
/// no port bound, no database touched.
/// </summary>
public sealed class InboxConfigCheckTests
{
    private const string ReplyWaitLine = "Inbox:ReplyWait: 必须在 00:00:00 到 00:00:04.5 之间 / must be between 00:00:00 and 00:00:04.5";

    /// <summary>Settings the inbox starts with; the database is a port where nothing listens.</summary>
    private static Dictionary<string, string> Valid() => new()
    {
        ["ConnectionStrings__Inbox"] = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=weixin_inbox;User ID=inbox_svc;Password=unused",
        ["Inbox__PublicBaseUrl"] = "http://127.0.0.1:5000",
        ["Inbox__AllowedRedirectPrefixes__0"] = "http://127.0.0.1:5300/",
        ["Inbox__RetryLoginUrl"] = "http://127.0.0.1:5300/login/weixin",
        ["Inbox__WeixinToken"] = "configchecktoken",
        ["PollerSigning__Keys__0"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        ["Inbox__DomainVerification__FileName"] = "MP_verify_Ab12Cd34.txt",
        ["Inbox__DomainVerification__Content"] = "Ab12Cd34Ef56",
    };

    private static Dictionary<string, string> With(params (string Key, string? Value)[] changes) => ServiceCommand.With(Valid(), changes);

    private static Task<CommandResult> StartAsync(Dictionary<string, string> settings) => ServiceCommand.StartAsync("PublicInbox", settings);

    private static void AssertNoStackTrace(CommandResult result) => Assert.True(result.StackTraceOrStart is null, $"printed '{result.StackTraceOrStart}':\n{result.Output}");

    [Fact]
    public async Task CheckConfig_WithValidSettings_ExitsZero_WithoutBindingItsPortOrTouchingTheDatabase()
    {
        var result = await ServiceCommand.CheckConfigWithItsPortHeldAsync("PublicInbox", Valid());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["配置有效 / configuration OK"], result.Lines);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(20), $"check-config took {result.Elapsed}");
    }

    [Fact]
    public async Task CheckConfig_WithSeveralBadSettings_ExitsOne_WithOneLinePerProblem()
    {
        var result = await ServiceCommand.RunAsync("PublicInbox", With(
            ("Inbox__ReplyWait", "00:00:09"),
            ("Inbox__WeixinToken", "my-token"),
            ("Inbox__DomainVerification__FileName", "verify.txt"),
            ("PollerSigning__Keys__0", "short")), "check-config");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(ReplyWaitLine, result.Lines);
        Assert.Contains(result.Lines, l => l.StartsWith("Inbox:WeixinToken: 必须是 3 到 32 个英文字母或数字", StringComparison.Ordinal) && l.Contains("） / must be 3 to 32 letters or digits", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Inbox:DomainVerification:FileName: ", StringComparison.Ordinal) && l.Contains("MP_verify_", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("PollerSigning:Keys:0: 至少 32 个字符 / ", StringComparison.Ordinal));
        Assert.DoesNotContain("配置有效", result.Output, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_WithAValueOutOfRange_ExitsOne_WithTheLineNamingTheKey()
    {
        var result = await StartAsync(With(("Inbox__ReplyWait", "00:00:09")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(ReplyWaitLine, result.Lines);
        Assert.Single(result.Lines, l => l.StartsWith("Inbox:", StringComparison.Ordinal));
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_WithAValueThatIsNotADuration_ExitsOne_NamingTheKey()
    {
        var result = await StartAsync(With(("Inbox__LoginTimeout", "60s")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Inbox:LoginTimeout: 必须是时间长度，如 00:00:04（时:分:秒） / must be a duration such as 00:00:04 (hh:mm:ss)", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_WithoutItsConnectionString_ExitsOne_NamingIt()
    {
        var result = await StartAsync(With(("ConnectionStrings__Inbox", null), ("Inbox__RetryLoginUrl", null)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("ConnectionStrings:Inbox: 必须设置", StringComparison.Ordinal) && l.Contains("/ is required", StringComparison.Ordinal));
        Assert.Contains("Inbox:RetryLoginUrl: 必须设置 / is required", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_WithAConnectionStringThatDoesNotParse_ExitsOne_WithoutEchoingIt()
    {
        // Note: an unquoted password with ';' in it: the parser reads its tail as an unknown option and would name it.
        var result = await StartAsync(With(("ConnectionStrings__Inbox", "Server=db;Database=weixin_inbox;Password=ab;hunter2hunter2=cd")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith("ConnectionStrings:Inbox: 无法解析为 MySQL 连接字符串", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", result.Output, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Start_InProduction_WithAnHttpPublicBaseUrl_ExitsOne()
    {
        var result = await StartAsync(With(("ASPNETCORE_ENVIRONMENT", "Production"), ("Inbox__PublicBaseUrl", "http://wx.example.com")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Inbox:PublicBaseUrl: 在 Production 中必须是 https 网址 / must be an https URL in Production", result.Lines);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task CheckConfig_InProduction_WithHttpsAndNoAdmins_ExitsZero()
    {
        var result = await ServiceCommand.RunAsync("PublicInbox",
            With(("ASPNETCORE_ENVIRONMENT", "Production"), ("Inbox__PublicBaseUrl", "https://wx.example.com")), "check-config");

        Assert.True(result.ExitCode == 0, result.Output);
    }
}
