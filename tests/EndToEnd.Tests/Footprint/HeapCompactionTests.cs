using System.Globalization;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Footprint;

/// <summary>
/// Each service gives memory back to the box (ServiceDefaults' HeapCompaction, issue 14 item 5, measured by
/// <c>Bench footprint</c>): it collects its start-up garbage once, a few seconds after it started, and again whenever it
/// has been quiet and its working set has grown, each time handing glibc's free native memory back too;
/// <c>Runtime:CompactAfterStartSeconds</c> &lt; 0, <c>Runtime:CompactWhenIdleEverySeconds</c> ≤ 0 and
/// <c>Runtime:TrimNativeHeap</c> false turn them off. Real processes; read from their logs.
/// </summary>
public sealed class HeapCompactionTests
{
    private const string StartLine = "Start-up garbage collected: working set ";
    private const string IdleLine = "Idle garbage collected: working set ";

    [Fact]
    public async Task EachService_CollectsItsStartUpGarbage_OnceSoonAfterStart()
    {
        await using var system = await CrmSystem.StartAsync("compaction");

        foreach (var (name, service) in new[] { ("inbox", system.Login.Inbox), ("poller", system.Login.Poller), ("crm", system.Crm) })
        {
            var log = await service.WaitForLogOfThisStartAsync(StartLine, TimeSpan.FromSeconds(30));
            Assert.True(log is not null, $"{name} never logged 「{StartLine}…」 within 30 s of its start");
            Assert.Equal(1, Regex.Count(log!, Regex.Escape(StartLine)));
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
        Assert.NotNull(await system.Poller.WaitForLogOfThisStartAsync(StartLine, TimeSpan.FromSeconds(30)));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(StartLine, await system.Inbox.ReadLogOfThisStartAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterABurst_TheQuietService_GivesTheMemoryBack()
    {
        await using var system = await StartInboxAfterABurstAsync(idleCheckSeconds: "1", "compaction-idle");

        var log = await system.Inbox.WaitForLogOfThisStartAsync(IdleLine, TimeSpan.FromSeconds(30));
        Assert.True(log is not null, $"the inbox never logged 「{IdleLine}…」 within 30 s of a burst");
        var figures = Regex.Match(log!, Regex.Escape(IdleLine) + @"(\d+) → (\d+) MB");
        var (before, after) = (int.Parse(figures.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(figures.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(after < before, $"working set {before} → {after} MB: nothing was given back");
        // Note: the burst's new thread-pool threads and the code it compiled leave freed native memory behind (4-6 MB
        // seen); malloc_trim hands it back with the collection.
        Assert.True(NativeMb(IdleLine, log) >= 1, "the idle collection gave no free native memory back");
    }

    [Fact]
    public async Task NativeTrimTurnedOff_GivesNoNativeMemoryBack()
    {
        await using var system = await StartInboxAfterABurstAsync(idleCheckSeconds: "1", "compaction-idle-no-trim",
            ("Runtime__TrimNativeHeap", "false"));

        var log = await system.Inbox.WaitForLogOfThisStartAsync(IdleLine, TimeSpan.FromSeconds(30));
        Assert.True(log is not null, $"the inbox never logged 「{IdleLine}…」 within 30 s of a burst");
        Assert.Equal(0, NativeMb(IdleLine, log));
    }

    [Fact]
    public async Task ZeroIdleInterval_TurnsTheIdleChecksOff()
    {
        await using var system = await StartInboxAfterABurstAsync(idleCheckSeconds: "0", "compaction-idle-off");

        await Task.Delay(TimeSpan.FromSeconds(15));
        Assert.DoesNotContain(IdleLine, await system.Inbox.ReadLogOfThisStartAsync(), StringComparison.Ordinal);
    }

    /// <summary>The MB of free native memory the first <paramref name="line"/> of the log says the trim gave back.</summary>
    private static int NativeMb(string line, string? log)
    {
        Assert.NotNull(log);
        var figure = Regex.Match(log, Regex.Escape(line) + @"\d+ → \d+ MB \((\d+) MB of it free native memory\)");
        Assert.True(figure.Success, $"no 「{line}…」 with the native figure in:\n{log}");
        return int.Parse(figure.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// An inbox with the given idle check interval and its idle collections logged, after its start-up collection and a
    /// burst that leaves garbage behind: 600 Prometheus scrapes of ~50 KB text each (~30 MB allocated), more than the GC's
    /// gen0 budget, so the working set grows by whole regions that a quiet service no longer needs.
    /// </summary>
    private static async Task<LoginSystem> StartInboxAfterABurstAsync(string idleCheckSeconds, string name, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["Runtime__CompactWhenIdleEverySeconds"] = idleCheckSeconds,
            ["Serilog__MinimumLevel__Override__Weixin.Inbox.ServiceDefaults.HeapCompaction"] = "Debug",
        };
        foreach (var (key, value) in more)
        {
            environment[key] = value;
        }

        var system = await LoginSystem.StartAsync(new LoginSystemSettings { InboxEnvironment = environment }, name);
        Assert.NotNull(await system.Inbox.WaitForLogOfThisStartAsync(StartLine, TimeSpan.FromSeconds(30)));
        using var http = new HttpClient { BaseAddress = system.Inbox.BaseAddress };
        await Parallel.ForAsync(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            (await http.GetAsync("/metrics", ct)).EnsureSuccessStatusCode());
        return system;
    }
}
