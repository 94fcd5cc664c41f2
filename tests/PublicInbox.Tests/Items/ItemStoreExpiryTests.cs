using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Tests.Items;

/// <summary>The store's set-based expiry on the real MariaDB, as the inbox's least-privilege user.</summary>
public class ItemStoreExpiryTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTime Now = new(2031, 5, 1, 8, 0, 0, DateTimeKind.Utc);

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ExpireOverdue_MarksOnlyPendingAndLeasedPastDeadline()
    {
        var pendingLate = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(-1));
        var leasedLate = await AddAsync(InboxItemStatuses.Leased, Now.AddSeconds(-1), leaseUntil: Now.AddSeconds(10));
        var dueNow = await AddAsync(InboxItemStatuses.Pending, Now);
        var pendingInTime = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(1));
        var leasedInTime = await AddAsync(InboxItemStatuses.Leased, Now.AddSeconds(1), leaseUntil: Now.AddSeconds(-5));
        var withoutDeadline = await AddAsync(InboxItemStatuses.Pending, null);
        var done = await AddAsync(InboxItemStatuses.Done, Now.AddSeconds(-1));
        var failed = await AddAsync(InboxItemStatuses.Failed, Now.AddSeconds(-1));
        var expiredBefore = await AddAsync(InboxItemStatuses.Expired, Now.AddSeconds(-30), expiredAt: Now.AddSeconds(-20));

        var count = await ExpireAsync(Now);

        Assert.Equal(3, count);
        foreach (var id in new[] { pendingLate, leasedLate, dueNow })
        {
            var item = await ReadAsync(id);
            Assert.Equal(InboxItemStatuses.Expired, item.Status);
            Assert.Equal(Now, item.ExpiredAt);
            Assert.Null(item.LeaseId); // a late complete with the old lease cannot succeed
        }

        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(pendingInTime)).Status);
        var stillLeased = await ReadAsync(leasedInTime);
        Assert.Equal(InboxItemStatuses.Leased, stillLeased.Status);
        Assert.NotNull(stillLeased.LeaseId);
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(withoutDeadline)).Status);
        Assert.Equal(InboxItemStatuses.Done, (await ReadAsync(done)).Status);
        Assert.Equal(InboxItemStatuses.Failed, (await ReadAsync(failed)).Status);
        Assert.Equal(Now.AddSeconds(-20), (await ReadAsync(expiredBefore)).ExpiredAt);
    }

    [Fact]
    public async Task ExpireOverdue_RecordsOneEventPerItem()
    {
        var neverClaimed = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(-1));
        var stuck = await AddAsync(InboxItemStatuses.Leased, Now.AddSeconds(-1), leaseUntil: Now.AddSeconds(5), attempts: 2);
        var inTime = await AddAsync(InboxItemStatuses.Pending, Now.AddMinutes(1));

        Assert.Equal(2, await ExpireAsync(Now));
        Assert.Equal(0, await ExpireAsync(Now.AddSeconds(10)));

        var events = await EventsAsync();
        Assert.DoesNotContain(events, e => e.ItemId == inTime);
        var first = Assert.Single(events, e => e.ItemId == neverClaimed);
        var second = Assert.Single(events, e => e.ItemId == stuck);
        Assert.All(new[] { first, second }, e =>
        {
            Assert.Equal(InboxEventTypes.Expired, e.Type);
            Assert.Equal(Now, e.At);
        });
        Assert.Contains("never claimed", first.Detail, StringComparison.Ordinal);
        Assert.Contains("2 attempt", second.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpireOverdue_WithAnItemId_ExpiresOnlyThatItem()
    {
        var asked = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(-1));
        var other = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(-1));

        Assert.Equal(1, await ExpireAsync(Now, asked));

        Assert.Equal(InboxItemStatuses.Expired, (await ReadAsync(asked)).Status);
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(other)).Status);
    }

    [Fact]
    public async Task ExpireOverdue_TwoInstancesRacing_ExpireEachItemOnce()
    {
        var ids = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await AddAsync(i % 2 == 0 ? InboxItemStatuses.Pending : InboxItemStatuses.Leased, Now.AddSeconds(-1), leaseUntil: Now.AddSeconds(5)));
        }

        using var start = new Barrier(3);
        var counts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return ExpireAsync(Now);
        })));

        Assert.Equal(ids.Count, counts.Sum());
        var events = await EventsAsync();
        Assert.All(ids, id => Assert.Single(events, e => e.ItemId == id));
    }

    [Fact]
    public async Task ExpireOverdue_AnItemReleasedForRetry_SaysItWasBackInTheQueue()
    {
        var retried = await AddAsync(InboxItemStatuses.Pending, Now.AddSeconds(-1), attempts: 3);

        Assert.Equal(1, await ExpireAsync(Now));

        var expired = Assert.Single(await EventsAsync(), e => e.ItemId == retried);
        Assert.Contains("back in the queue at the deadline after 3 attempt(s)", expired.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("never claimed", expired.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpireOverdue_ABacklogLargerThanOneBatch_IsExpiredInOneCallWithOneEventEach()
    {
        // A long outage: more overdue items than one statement takes (1,000), all expired by one sweep.
        var at = Now.AddHours(-2).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var deadline = Now.AddMinutes(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        await fixture.Database.ExecuteAsync($"""
            INSERT INTO inbox_items (kind, status, received_at, deadline, correlation_id, attempts)
            SELECT 'message', IF(seq % 2 = 0, 'pending', 'leased'), '{at}', '{deadline}', CONCAT('backlog-', seq), seq % 2 FROM seq_1_to_2500
            """);
        var inTime = await AddAsync(InboxItemStatuses.Pending, Now.AddMinutes(1));

        Assert.Equal(2500, await ExpireAsync(Now));

        var counts = Assert.Single(await fixture.Database.QueryAsync("""
            SELECT COUNT(*) AS items, SUM(status = 'expired') AS expired,
                   (SELECT COUNT(*) FROM inbox_item_events WHERE type = 'expired') AS events,
                   (SELECT COUNT(DISTINCT item_id) FROM inbox_item_events WHERE type = 'expired') AS distinct_items
            FROM inbox_items WHERE correlation_id LIKE 'backlog-%'
            """));
        Assert.All(new[] { "items", "expired", "events", "distinct_items" }, name => Assert.Equal(2500L, Convert.ToInt64(counts[name], CultureInfo.InvariantCulture)));
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(inTime)).Status);
    }

    private async Task<int> ExpireAsync(DateTime now, long? onlyItemId = null)
    {
        await using var db = fixture.CreateContext();
        var store = new ItemStore(db, new InboxSignals(), new ManualTime(now), Options.Create(new InboxOptions()), NullLogger<ItemStore>.Instance);
        return await store.ExpireOverdueAsync(onlyItemId, CancellationToken.None);
    }

    private async Task<long> AddAsync(string status, DateTime? deadline, DateTime? leaseUntil = null, int attempts = 0, DateTime? expiredAt = null)
    {
        await using var db = fixture.CreateContext();
        var leased = status == InboxItemStatuses.Leased;
        var item = new InboxItem
        {
            Kind = InboxItemKinds.OAuth,
            Status = status,
            ReceivedAt = Now.AddSeconds(-60),
            Deadline = deadline,
            CorrelationId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            OAuthCode = "CODE",
            OAuthState = "STATE",
            Attempts = leased && attempts == 0 ? 1 : attempts,
            LeaseId = leased ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : null,
            LeasedBy = leased ? "poller-a" : null,
            LeaseUntil = leased ? leaseUntil : null,
            ExpiredAt = expiredAt,
        };
        db.Items.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    }

    private async Task<InboxItem> ReadAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.Items.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    private async Task<List<InboxItemEvent>> EventsAsync()
    {
        await using var db = fixture.CreateContext();
        return await db.ItemEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }
}
