using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Security;

/// <summary>
/// Issue 13 item 13: the gateway's logs never hold a login id or a ticket, and message contents only with
/// <c>Logging:IncludeMessageContent=true</c>. Simulator, inbox, poller as real processes; the poller logs at Debug
/// (where the message lines are), and the test reads its log files (console text and JSON).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LogHygieneTests
{
    private static readonly Dictionary<string, string> DebugLogs = new() { ["Serilog__MinimumLevel__Default"] = "Debug" };

    [Fact]
    public async Task LoginIdsTicketsAndMessageContents_StayOutOfThePollersLogs_ByDefault()
    {
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings { PollerEnvironment = DebugLogs }, "loghygiene");
        var openId = await system.AddWeixinUserAsync("日志检查");
        using var browser = system.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        var outcome = await browser.WaitForResultAsync(attempt.ItemId);
        Assert.NotNull(outcome.Ticket);
        await system.Gateway.RedeemAsync(attempt.Login.LoginId, new RedeemTicketRequest(outcome.Ticket!));
        var content = "机密内容-" + Guid.NewGuid().ToString("N");
        await system.SendAsUserAsync(openId, "subscribe");
        var delivery = await system.SendAsUserAsync(openId, "text", content);
        Assert.Contains(content, delivery.Reply); // the landing app's hook echoes it: the reply carries it too

        var logs = await ReadLogsAsync(system.Poller, "reply of ");
        // The login is still followable: its tag is logged where the id used to be.
        Assert.Contains(LogRef.Of(attempt.Login.LoginId), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(attempt.Login.LoginId, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Ticket!, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(content, logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageContents_AreLogged_WithIncludeMessageContent()
    {
        var environment = new Dictionary<string, string>(DebugLogs) { ["Logging__IncludeMessageContent"] = "true" };
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings { PollerEnvironment = environment }, "loghygiene-content");
        var openId = await system.AddWeixinUserAsync("日志内容");
        var content = "机密内容-" + Guid.NewGuid().ToString("N");
        await system.SendAsUserAsync(openId, "subscribe");
        await system.SendAsUserAsync(openId, "text", content);

        // Proves the first test could have seen the content had it been logged.
        Assert.Contains(content, await ReadLogsAsync(system.Poller, content), StringComparison.Ordinal);
    }

    /// <summary>Both log files of a service, once <paramref name="awaited"/> shows up in them (the last line written).</summary>
    private static async Task<string> ReadLogsAsync(ServiceProcess service, string awaited)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var text = await ReadSharedAsync(service.LogPath) + "\n" + await ReadSharedAsync(service.JsonLogPath);
            if (text.Contains(awaited, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                Assert.Contains(awaited, text, StringComparison.Ordinal);
                return text;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
