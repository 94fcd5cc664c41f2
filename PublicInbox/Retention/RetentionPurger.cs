using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Retention;

/// <summary>
/// One retention pass: payloads older than <c>PayloadDays</c> cleared, items (and events) older than <c>MetadataDays</c>
/// deleted, in batches; the counts stored in <c>retention_runs</c> and audited as actor <c>retention</c>.
/// Safe on several instances at once: every statement is conditional, so a row is purged or deleted once.
/// </summary>
public sealed class RetentionPurger(InboxDbContext db, AdminAudit audit, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionPurger> logger)
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
        string[] closed = [InboxItemStatuses.Done, InboxItemStatuses.Failed, InboxItemStatuses.Expired];
        // Note: whole items first, so a payload about to be deleted is not purged (and an event written) in vain.
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await db.Items.AsNoTracking()
                .Where(i => i.ReceivedAt < metadataCutoff && closed.Contains(i.Status))
                .OrderBy(i => i.Id).Select(i => i.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            run.EventsDeleted += await db.ItemEvents.Where(e => ids.Contains(e.ItemId)).ExecuteDeleteAsync(cancellationToken);
            run.ItemsDeleted += await db.Items.Where(i => ids.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
            if (ids.Count < settings.BatchSize)
            {
                break;
            }
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await db.Items.AsNoTracking()
                .Where(i => i.PayloadPurgedAt == null && i.ReceivedAt < payloadCutoff && closed.Contains(i.Status))
                .OrderBy(i => i.Id).Select(i => i.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var purged = await db.Items.Where(i => ids.Contains(i.Id) && i.PayloadPurgedAt == null).ExecuteUpdateAsync(u => u
                .SetProperty(i => i.PayloadPurgedAt, started)
                .SetProperty(i => i.Body, (string?)null)
                .SetProperty(i => i.ReplyBody, (string?)null)
                .SetProperty(i => i.OAuthCode, (string?)null)
                .SetProperty(i => i.OAuthState, (string?)null)
                .SetProperty(i => i.UserAgent, (string?)null)
                .SetProperty(i => i.RedirectUrl, (string?)null)
                .SetProperty(i => i.RemoteIp, (string?)null)
                .SetProperty(i => i.CookieHash, (string?)null)
                .SetProperty(i => i.Nonce, (string?)null)
                .SetProperty(i => i.MsgSignature, (string?)null), cancellationToken);
            var detail = $"payload removed after {settings.PayloadDays} days";
            var idList = string.Join(',', ids);
            // Note: ids are numbers we just read, so the list is safe to inline; one INSERT … SELECT per batch.
#pragma warning disable EF1002
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO inbox_item_events (item_id, at, type, actor, detail) SELECT id, @p0, @p1, @p2, @p3 FROM inbox_items WHERE id IN ({idList}) AND payload_purged_at = @p0",
                [started, InboxEventTypes.PayloadPurged, Actor, detail], cancellationToken);
#pragma warning restore EF1002
            await tx.CommitAsync(cancellationToken);
            run.PayloadsPurged += purged;
            if (ids.Count < settings.BatchSize)
            {
                break;
            }
        }

        // Note: the bookkeeping tables follow the metadata's age; stale lockout rows go after a day.
        await db.RetentionRuns.Where(r => r.StartedAt < metadataCutoff).ExecuteDeleteAsync(cancellationToken);
        var staleLocks = started.AddDays(-1);
        await db.AdminSignInLocks.Where(l => l.LastFailureAt < staleLocks && (l.LockedUntil == null || l.LockedUntil < started)).ExecuteDeleteAsync(cancellationToken);

        run.FinishedAt = time.GetUtcNow().UtcDateTime;
        db.RetentionRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        if (run.PayloadsPurged + run.ItemsDeleted + run.EventsDeleted > 0)
        {
            await audit.WriteAsync(Actor, AdminAuditActions.RetentionPurge, null, null,
                $"payloads purged: {run.PayloadsPurged} (received before {payloadCutoff:O}); items deleted: {run.ItemsDeleted}, events deleted: {run.EventsDeleted} (received before {metadataCutoff:O})",
                cancellationToken);
        }

        logger.LogInformation("Retention: {PayloadsPurged} payloads purged (older than {PayloadDays} days), {ItemsDeleted} items and {EventsDeleted} events deleted (older than {MetadataDays} days) in {Elapsed} ms",
            run.PayloadsPurged, settings.PayloadDays, run.ItemsDeleted, run.EventsDeleted, settings.MetadataDays, (run.FinishedAt - started).TotalMilliseconds);
        return run;
    }
}
