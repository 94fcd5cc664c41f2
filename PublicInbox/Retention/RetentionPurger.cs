using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Retention;

/// <summary>
/// One retention pass: payloads older than <c>PayloadDays</c> cleared, items (and events) older than <c>MetadataDays</c>
/// deleted, in batches (the item writes are <see cref="ItemStore"/>'s); the counts stored in <c>retention_runs</c> and audited as actor <c>retention</c>.
/// Safe on several instances at once: every statement is conditional, so a row is purged or deleted once.
/// </summary>
public sealed class RetentionPurger(InboxDbContext db, ItemStore items, OAuthStateStore states, AdminAudit audit, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionPurger> logger)
{
    public const string Actor = "retention";

    public async Task<RetentionRun> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = time.GetUtcNow().UtcDateTime;
        var payloadCutoff = started.AddDays(-settings.PayloadDays);
        var metadataCutoff = started.AddDays(-settings.MetadataDays);
        var run = new RetentionRun { StartedAt = started, PayloadCutoff = payloadCutoff, MetadataCutoff = metadataCutoff };

        // Note: items still open (pending/leased) are left alone whatever their age; they cannot be that old in practice.
        // Whole items first, so a payload about to be deleted is not purged (and an event written) in vain.
        (run.ItemsDeleted, run.EventsDeleted) = await items.DeleteClosedAsync(metadataCutoff, settings.BatchSize, cancellationToken);
        run.PayloadsPurged = await items.PurgePayloadsAsync(payloadCutoff, settings.BatchSize, Actor, $"payload removed after {settings.PayloadDays} days", cancellationToken);

        // Note: the bookkeeping tables follow the metadata's age; stale lockout rows go after a day.
        await db.RetentionRuns.Where(r => r.StartedAt < metadataCutoff).ExecuteDeleteAsync(cancellationToken);
        var staleLocks = started.AddDays(-1);
        await db.AdminSignInLocks.Where(l => l.LastFailureAt < staleLocks && (l.LockedUntil == null || l.LockedUntil < started)).ExecuteDeleteAsync(cancellationToken);
        // Note: an expired announced state can never be used again; once gone, a late callback with it is refused as unknown.
        var statesDeleted = await states.PurgeExpiredAsync(started, cancellationToken);

        run.FinishedAt = time.GetUtcNow().UtcDateTime;
        db.RetentionRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        if (run.PayloadsPurged + run.ItemsDeleted + run.EventsDeleted > 0)
        {
            await audit.WriteAsync(Actor, AdminAuditActions.RetentionPurge, null, null,
                $"payloads purged: {run.PayloadsPurged} (received before {payloadCutoff:O}); items deleted: {run.ItemsDeleted}, events deleted: {run.EventsDeleted} (received before {metadataCutoff:O})",
                cancellationToken);
        }

        logger.LogInformation("Retention: {PayloadsPurged} payloads purged (older than {PayloadDays} days), {ItemsDeleted} items and {EventsDeleted} events deleted (older than {MetadataDays} days), {StatesDeleted} expired OAuth states deleted in {Elapsed} ms",
            run.PayloadsPurged, settings.PayloadDays, run.ItemsDeleted, run.EventsDeleted, settings.MetadataDays, statesDeleted, (run.FinishedAt - started).TotalMilliseconds);
        return run;
    }
}
