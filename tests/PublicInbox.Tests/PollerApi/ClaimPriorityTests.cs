using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Tests.PollerApi;

/// <summary>
/// Issue 14 item 4: a claim hands out WeChat's messages and events (whose request waits 4 s for the reply) before
/// logins (60 s), and a backlog of thousands of pending logins costs the message's claim nothing. Real MariaDB.
/// </summary>
public class ClaimPriorityTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>, IAsyncLifetime
{
    private const int Backlog = 5000;

    private static readonly DateTime Now = new(2031, 5, 1, 8, 0, 0, DateTimeKind.Utc);

    private static readonly string[] AllKinds = [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event];

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Claim_WithThousandsOfPendingLogins_HandsOutTheMessageAndTheEventFirst_ReadingFewRows()
    {
        await AddLoginBacklogAsync();
        var message = await AddPendingAsync(InboxItemKinds.Message);
        var @event = await AddPendingAsync(InboxItemKinds.Event);
        await fixture.Database.ExecuteAsync("ANALYZE TABLE inbox_items"); // fresh statistics, as a long-running inbox has

        await using var db = fixture.CreateContext();
        // Note: one connection for the whole claim, so the session's handler counters count its row reads.
        await db.Database.OpenConnectionAsync();
        var counting = await RowsReadAsync(db);
        var before = await RowsReadAsync(db);
        var claimed = await Store(db).ClaimAsync("poller-a", 2, AllKinds, recordContact: true, null, CancellationToken.None);
        // Note: less what reading the counters itself reads (information_schema is a scanned table too).
        var read = await RowsReadAsync(db) - before - (before - counting);

        Assert.Equal([message, @event], claimed.Select(i => i.Id));
        // Note: the old single query walked (status, id) past the 5,000 older logins; now each kind has its own range.
        Assert.True(read < 100, $"the claim read {read} rows with {Backlog} pending logins in the table");
    }

    [Fact]
    public async Task Claim_ABatchLargerThanTheMessages_FillsUpWithTheOldestLogins()
    {
        await AddLoginBacklogAsync();
        var message = await AddPendingAsync(InboxItemKinds.Message);

        await using var db = fixture.CreateContext();
        var claimed = await Store(db).ClaimAsync("poller-a", 3, AllKinds, recordContact: true, null, CancellationToken.None);

        Assert.Equal(message, claimed[0].Id);
        Assert.Equal([InboxItemKinds.Message, InboxItemKinds.OAuth, InboxItemKinds.OAuth], claimed.Select(i => i.Kind));
        var oldestLogins = await db.Items.AsNoTracking().Where(i => i.Kind == InboxItemKinds.OAuth).OrderBy(i => i.Id).Select(i => i.Id).Take(2).ToListAsync();
        Assert.Equal(oldestLogins, claimed.Skip(1).Select(i => i.Id));
    }

    [Fact]
    public async Task Claim_OfLoginsOnly_LeavesTheMessagesAlone()
    {
        var login = await AddPendingAsync(InboxItemKinds.OAuth);
        await AddPendingAsync(InboxItemKinds.Message);

        await using var db = fixture.CreateContext();
        var claimed = await Store(db).ClaimAsync("poller-a", 10, [InboxItemKinds.OAuth], recordContact: true, null, CancellationToken.None);

        Assert.Equal(login, Assert.Single(claimed).Id);
    }

    private static ItemStore Store(InboxDbContext db) =>
        new(db, new InboxSignals(), new ManualTime(Now), Options.Create(new InboxOptions { LeaseDuration = TimeSpan.FromSeconds(30) }), NullLogger<ItemStore>.Instance);

    private async Task AddLoginBacklogAsync()
    {
        var at = Now.AddSeconds(-30).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var deadline = Now.AddSeconds(30).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        await fixture.Database.ExecuteAsync($"""
            INSERT INTO inbox_items (kind, status, received_at, deadline, correlation_id, attempts, oauth_code, oauth_state)
            SELECT 'oauth', 'pending', '{at}', '{deadline}', CONCAT('login-backlog-', seq), 0, 'CODE', CONCAT('STATE', seq) FROM seq_1_to_{Backlog}
            """);
    }

    private static async Task<long> RowsReadAsync(InboxDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT SUM(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME LIKE 'HANDLER_READ%'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private async Task<long> AddPendingAsync(string kind)
    {
        await using var db = fixture.CreateContext();
        var item = new InboxItem
        {
            Kind = kind,
            Status = InboxItemStatuses.Pending,
            ReceivedAt = Now.AddSeconds(-1),
            Deadline = Now.AddSeconds(60),
            CorrelationId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
            OAuthCode = kind == InboxItemKinds.OAuth ? "CODE" : null,
            OAuthState = kind == InboxItemKinds.OAuth ? "STATE" : null,
        };
        db.Items.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    }
}
