using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Footprint;

/// <summary>
/// Each service collects its start-up garbage once, a few seconds after it started (ServiceDefaults'
/// StartupCompaction, issue 14 item 5: ~10-14 MB less resident per service, measured by <c>Bench footprint</c>), and
/// <c>Runtime:CompactAfterStartSeconds</c> &lt; 0 turns it off. Real processes; read from their logs.
/// </summary>
public sealed class StartupCompactionTests
{
    private const string Line = "Start-up garbage collected: working set ";

    [Fact]
    public async Task EachService_CollectsItsStartUpGarbage_OnceSoonAfterStart()
    {
        await using var system = await CrmSystem.StartAsync("compaction");

        foreach (var (name, service) in new[] { ("inbox", system.Login.Inbox), ("poller", system.Login.Poller), ("crm", system.Crm) })
        {
            var log = await service.WaitForLogOfThisStartAsync(Line, TimeSpan.FromSeconds(30));
            Assert.True(log is not null, $"{name} never logged 「{Line}…」 within 30 s of its start");
            Assert.Equal(1, Regex.Count(log!, Regex.Escape(Line)));
        }
    }

    [Fact]
    public async Task NegativeDelay_TurnsItOff()
    {
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings
        {
            InboxEnvironment = new Dictionary<string, string> { ["Runtime__CompactAfterStartSeconds"] = "-1" },
        }, "compaction-off");

        // Note: the poller (default settings, started after the inbox) has collected, so the inbox has had the time.
        Assert.NotNull(await system.Poller.WaitForLogOfThisStartAsync(Line, TimeSpan.FromSeconds(30)));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(Line, await system.Inbox.ReadLogOfThisStartAsync(), StringComparison.Ordinal);
    }
}
