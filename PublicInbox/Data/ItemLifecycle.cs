using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>
/// State transitions shared by the waiting page, the poller API and the sweeper. Each is a conditional
/// UPDATE (old status in the WHERE clause), so any number of inbox instances may race on one item.
/// </summary>
public sealed class ItemLifecycle(InboxDbContext db, TimeProvider time, ILogger<ItemLifecycle> logger)
{
    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;

    /// <summary>Marks pending or leased items past their deadline as expired; returns how many.</summary>
    public async Task<int> ExpireOverdueAsync(long? onlyItemId, CancellationToken cancellationToken)
    {
        var now = UtcNow;
        var query = db.Items.Where(i => (i.Status == InboxItemStatuses.Pending || i.Status == InboxItemStatuses.Leased) && i.Deadline <= now);
        if (onlyItemId is { } id)
        {
            query = query.Where(i => i.Id == id);
        }

        var overdue = await query.OrderBy(i => i.Id).Select(i => new { i.Id, i.Status, i.CorrelationId, i.Attempts }).Take(500).ToListAsync(cancellationToken);
        var expired = 0;
        foreach (var item in overdue)
        {
            var changed = await db.Items
                .Where(i => i.Id == item.Id && i.Status == item.Status && i.Deadline <= now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, InboxItemStatuses.Expired)
                    .SetProperty(i => i.ExpiredAt, now)
                    .SetProperty(i => i.LeaseId, (string?)null), cancellationToken);
            if (changed == 1)
            {
                expired++;
                var detail = item.Status == InboxItemStatuses.Pending
                    ? "never claimed: the intranet poller did not answer before the deadline"
                    : $"still leased at the deadline after {item.Attempts} attempt(s)";
                await RecordAsync(item.Id, InboxEventTypes.Expired, null, detail, cancellationToken);
                logger.LogWarning("Item {ItemId} expired ({Detail}) [{CorrelationId}]", item.Id, detail, item.CorrelationId);
            }
        }

        return expired;
    }

    /// <summary>Appends one event to an item's timeline.</summary>
    public async Task RecordAsync(long itemId, string type, string? actor, string? detail, CancellationToken cancellationToken)
    {
        db.ItemEvents.Add(new InboxItemEvent
        {
            ItemId = itemId,
            At = UtcNow,
            Type = type,
            Actor = actor,
            Detail = detail is { Length: > 1024 } ? detail[..1024] : detail,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>When any poller last claimed, or null when none ever did.</summary>
    public async Task<DateTime?> LastPollerContactAsync(CancellationToken cancellationToken) =>
        await db.Pollers.MaxAsync(p => (DateTime?)p.LastClaimAt, cancellationToken);
}
