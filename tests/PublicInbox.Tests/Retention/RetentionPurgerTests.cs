using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.Retention;

namespace Weixin.Inbox.PublicInbox.Tests.Retention;

/// <summary>The retention pass on aged rows in the real MariaDB, with a clock the test sets.</summary>
public class RetentionPurgerTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTime Now = new(2031, 9, 1, 2, 0, 0, DateTimeKind.Utc);

    public async Task InitializeAsync()
    {
        await fixture.ResetAsync();
        await fixture.Database.ExecuteAsync("DELETE FROM admin_audit_log; DELETE FROM retention_runs; DELETE FROM admin_sign_in_locks; DELETE FROM oauth_states;");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Run_PurgesOldPayloadsAndDeletesOldItemsInBatches_AndLeavesTheRestAlone()
    {
        var recent = await AddAsync(days: 29, "done");
        var payloadAged = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            payloadAged.Add(await AddAsync(days: 31 + i, "done"));
        }

        var metadataAged = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            metadataAged.Add(await AddAsync(days: 181 + i, i % 2 == 0 ? "expired" : "failed"));
        }

        var stillOpen = await AddAsync(days: 200, "pending");

        var run = await RunAsync(new RetentionOptions { PayloadDays = 30, MetadataDays = 180, BatchSize = 10 });

        Assert.Equal((25, 12, 24), (run.PayloadsPurged, run.ItemsDeleted, run.EventsDeleted));
        await using var db = fixture.CreateContext();
        var items = await db.Items.AsNoTracking().ToDictionaryAsync(i => i.Id);
        Assert.DoesNotContain(metadataAged, items.ContainsKey);
        Assert.Empty(await db.ItemEvents.Where(e => metadataAged.Contains(e.ItemId)).ToListAsync());
        Assert.All(payloadAged, id =>
        {
            var item = items[id];
            Assert.Equal(Now, item.PayloadPurgedAt);
            Assert.Null(item.Body);
            Assert.Null(item.ReplyBody);
            Assert.Null(item.OAuthCode);
            Assert.Null(item.OAuthState);
            Assert.Null(item.RemoteIp);
            Assert.Null(item.UserAgent);
            Assert.Null(item.RedirectUrl);
            Assert.Equal("o_keep", item.OpenId); // Note: metadata: still answers "what happened to this user" until MetadataDays.
            Assert.Equal("done", item.Status);
        });
        Assert.Equal(25, await db.ItemEvents.CountAsync(e => e.Type == InboxEventTypes.PayloadPurged && e.Actor == RetentionPurger.Actor));
        Assert.Equal("<xml>body</xml>", items[recent].Body);
        Assert.Equal("CODE1234", items[recent].OAuthCode);
        Assert.Equal("<xml>body</xml>", items[stillOpen].Body);

        var stored = await db.RetentionRuns.AsNoTracking().SingleAsync();
        Assert.Equal((25, 12, 24), (stored.PayloadsPurged, stored.ItemsDeleted, stored.EventsDeleted));
        var audit = await db.AdminAudit.AsNoTracking().SingleAsync();
        Assert.Equal((RetentionPurger.Actor, AdminAuditActions.RetentionPurge), (audit.Actor, audit.Action));
        Assert.Contains("payloads purged: 25", audit.Detail);
        Assert.Contains("items deleted: 12", audit.Detail);
    }

    [Fact]
    public async Task Run_Twice_PurgesEachPayloadOnceAndAuditsOnlyWhenSomethingWentAway()
    {
        await AddAsync(days: 40, "done");

        var first = await RunAsync(new RetentionOptions());
        var second = await RunAsync(new RetentionOptions());

        Assert.Equal(1, first.PayloadsPurged);
        Assert.Equal((0, 0, 0), (second.PayloadsPurged, second.ItemsDeleted, second.EventsDeleted));
        await using var db = fixture.CreateContext();
        Assert.Equal(2, await db.RetentionRuns.CountAsync());
        Assert.Equal(1, await db.AdminAudit.CountAsync());
        Assert.Equal(1, await db.ItemEvents.CountAsync(e => e.Type == InboxEventTypes.PayloadPurged));
    }

    [Fact]
    public void Options_MetadataShorterThanPayload_AreRefusedWithAClearMessage()
    {
        var options = new RetentionOptions { PayloadDays = 30, MetadataDays = 10 };

        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true);

        var error = Assert.Single(errors);
        Assert.Contains("Retention:MetadataDays (10) must be at least Retention:PayloadDays (30)", error.ErrorMessage);
    }

    [Fact]
    public async Task Run_DeletesExpiredAnnouncedStates_AndKeepsLiveOnes()
    {
        await using (var db = fixture.CreateContext())
        {
            var states = new OAuthStateStore(db, new ManualTime(Now.AddMinutes(-30)));
            await states.AnnounceAsync([.. Enumerable.Repeat((byte)1, 32)], Now.AddMinutes(-1), CancellationToken.None);
            await states.AnnounceAsync([.. Enumerable.Repeat((byte)2, 32)], Now.AddMinutes(10), CancellationToken.None);
        }

        await RunAsync(new RetentionOptions());

        await using var check = fixture.CreateContext();
        var left = Assert.Single(await check.OAuthStates.AsNoTracking().ToListAsync());
        Assert.Equal(2, left.StateHash[0]);
    }

    private async Task<RetentionRun> RunAsync(RetentionOptions options)
    {
        var time = new ManualTime(Now);
        await using var db = fixture.CreateContext();
        var items = new ItemStore(db, new InboxSignals(), time, Options.Create(new InboxOptions()), NullLogger<ItemStore>.Instance);
        var purger = new RetentionPurger(db, items, new OAuthStateStore(db, time), new AdminAudit(db, time), time, Options.Create(options), NullLogger<RetentionPurger>.Instance);
        return await purger.RunAsync(CancellationToken.None);
    }

    /// <summary>An item received <paramref name="days"/> days before <see cref="Now"/>, with a full payload and two events.</summary>
    private async Task<long> AddAsync(int days, string status)
    {
        await using var db = fixture.CreateContext();
        var at = Now.AddDays(-days);
        var item = new InboxItem
        {
            Kind = "oauth",
            Status = status,
            ReceivedAt = at,
            CorrelationId = "ret",
            OAuthCode = "CODE1234",
            OAuthState = "STATE1234",
            RemoteIp = "203.0.113.9",
            UserAgent = "Mozilla/5.0",
            RedirectUrl = "http://127.0.0.1:5300/login/weixin/done?ticket=T",
            Body = "<xml>body</xml>",
            ReplyBody = "<xml>reply</xml>",
            OpenId = "o_keep",
            CompletedAt = status == "done" ? at.AddSeconds(1) : null,
        };
        db.Items.Add(item);
        await db.SaveChangesAsync();
        db.ItemEvents.AddRange(
            new InboxItemEvent { ItemId = item.Id, At = at, Type = InboxEventTypes.Received },
            new InboxItemEvent { ItemId = item.Id, At = at.AddSeconds(1), Type = InboxEventTypes.Claimed, Actor = "p" });
        await db.SaveChangesAsync();
        return item.Id;
    }
}
