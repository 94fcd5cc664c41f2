using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Weixin.Inbox.IntranetPoller.Inbox;

namespace Weixin.Inbox.IntranetPoller.Tests.Inbox;

/// <summary>The lease renewal's timing and its reaction to the inbox's answers, against a real HTTP stand-in of the inbox.</summary>
public class ItemLeaseTests
{
    [Fact]
    public void LengthOf_ReadsTheLeaseFromTheInboxClockAlone()
    {
        var serverTime = DateTimeOffset.UtcNow.AddHours(-3); // the inbox's clock is far off ours
        var (item, _) = StandInInbox.Claimed(TimeSpan.FromSeconds(30));

        var length = ItemLease.LengthOf(item with { LeaseUntil = serverTime.AddSeconds(30) }, new([item], serverTime));

        Assert.Equal(TimeSpan.FromSeconds(30), length);
        Assert.Equal(TimeSpan.FromSeconds(10), ItemLease.RenewalInterval(length));
    }

    [Fact]
    public async Task Keep_RenewsEveryThirdOfTheLease_SoTheWorkOutlivesIt()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 200);
        // Note: a 3 s lease (renewed every second) leaves a busy machine 1.7 s of slack per renewal; 900 ms left 510 ms.
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(3));

        await using var lease = ItemLease.Keep(inbox.Client, item, ItemLease.LengthOf(item, claim), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(7.5)); // well past the 3 s the claim gave

        Assert.False(lease.Token.IsCancellationRequested);
        Assert.False(lease.IsLost);
        var renewals = inbox.Renewals(item.Id);
        Assert.InRange(renewals.Count, 4, 9); // every second, give or take a loaded machine
        Assert.All(renewals, r => Assert.Contains(item.LeaseId, r.Body, StringComparison.Ordinal));
        Assert.True(await lease.StopAsync());
    }

    [Fact]
    public async Task Keep_LeaseLost_StopsTheWorkAtTheFirstRenewal()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 409);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(9));
        var watch = Stopwatch.StartNew();

        await using var lease = ItemLease.Keep(inbox.Client, item, ItemLease.LengthOf(item, claim), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        await WaitForCancellationAsync(TimeSpan.FromSeconds(15), lease.Token);

        // Note: cancelled by the 409 at the first renewal (3 s), long before the lease would run out (8.1 s).
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(7));
        Assert.True(lease.IsLost);
        Assert.Single(inbox.Renewals(item.Id));
        Assert.False(await lease.StopAsync());
    }

    [Fact]
    public async Task Keep_OneFailedRenewal_IsRetriedAndTheWorkGoesOn()
    {
        await using var inbox = await StandInInbox.StartAsync(n => n == 1 ? 503 : 200);
        // Note: a 6 s lease: renewals every 2 s, the retry 1 s after the failed first one, usable until 5.4 s. With a 3 s
        // lease (usable until 2.7 s) a first renewal whose 503 came back late on a loaded CI box (the first HTTP call of
        // the process) pushed the retry past the end and the lease was lost (CI, 2026-12-03).
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(6));

        await using var lease = ItemLease.Keep(inbox.Client, item, ItemLease.LengthOf(item, claim), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(7)); // past the claim's lease: the renewal after the failed one kept it

        Assert.False(lease.Token.IsCancellationRequested);
        Assert.True(lease.Renewals >= 1, $"{lease.Renewals} renewals");
        Assert.True(inbox.Renewals(item.Id).Count >= 2);
        Assert.True(await lease.StopAsync());
    }

    [Theory]
    [InlineData(503)] // the inbox is down
    [InlineData(404)] // an inbox without the renewal endpoint
    public async Task Keep_NoRenewalGetsThrough_StopsTheWorkBeforeTheLeaseEnds(int status)
    {
        await using var inbox = await StandInInbox.StartAsync(_ => status);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromMilliseconds(1500));
        var watch = Stopwatch.StartNew();

        await using var lease = ItemLease.Keep(inbox.Client, item, ItemLease.LengthOf(item, claim), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        await WaitForCancellationAsync(TimeSpan.FromSeconds(10), lease.Token);

        // Note: failed renewals alone do not stop the work; the lease running out (at 90 % of 1.5 s) does.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(1300), TimeSpan.FromMilliseconds(3000));
        Assert.True(lease.IsLost);
        Assert.NotEmpty(inbox.Renewals(item.Id));
    }

    [Fact]
    public async Task StopAsync_EndsTheRenewals()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 200);
        // Note: a 3 s lease renewed every second, stopped after 1.5 s: the lease still holds at the stop even when the
        // first renewal is late on a cold or busy machine (a 600 ms lease left ~50 ms of slack and failed in CI once).
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(3));
        await using var lease = ItemLease.Keep(inbox.Client, item, ItemLease.LengthOf(item, claim), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        // Note: stopped once a renewal has been seen (at most 10 s): on a loaded CI box the first renewal came later than 1.5 s.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (inbox.Renewals(item.Id).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(await lease.StopAsync());
        var renewals = inbox.Renewals(item.Id).Count;
        await Task.Delay(TimeSpan.FromMilliseconds(2500));

        Assert.True(renewals >= 1);
        Assert.Equal(renewals, inbox.Renewals(item.Id).Count);
        Assert.False(lease.Token.IsCancellationRequested);
    }

    internal static async Task WaitForCancellationAsync(TimeSpan limit, CancellationToken token)
    {
        try
        {
            await Task.Delay(limit, token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Assert.Fail($"The work was not stopped within {limit}.");
    }
}
