using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// The <c>weixin_messages</c> rows: who handles a message (first insert wins), its reply, and who delivers the
/// reply. Every transition is one conditional statement, so several pollers can share the table.
/// </summary>
public sealed class MessageStore(GatewayDbContext db, TimeProvider time)
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>The row key of a message: its dedup key, or that key's SHA-256 when it is too long or not ASCII.</summary>
    public static string KeyOf(WeixinMessage message)
    {
        var key = message.DedupKey;
        return key.Length <= GatewayDbContext.MaxDedupKeyLength && Ascii.IsValid(key) && !key.Any(char.IsControl)
            ? key
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Records the message as taken up by <paramref name="item"/>; true for the first item only (it runs the handlers).</summary>
    public async Task<bool> TryStartAsync(string key, ClaimedItem item, WeixinMessage message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Note: INSERT IGNORE is atomic across pollers: of two items of one message claimed at once, exactly one
        // gets "1 row affected". Every value is clipped to its column first, because IGNORE would also turn an
        // over-long value into a silent truncation.
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT IGNORE INTO weixin_messages (dedup_key, item_id, correlation_id, open_id, msg_type, event, created_at, status, attempts)
            VALUES ({key}, {item.Id}, {Clip(item.CorrelationId, 64)}, {Clip(message.FromUserName, 64)}, {Clip(message.MsgType, 32)},
                    {Clip(message.Event, 64)}, {now}, {WeixinMessageStatuses.Processing}, 0)
            """, cancellationToken);
        return inserted == 1;
    }

    /// <summary>Reads a message row.</summary>
    public Task<WeixinMessageEntry?> FindAsync(string key, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.DedupKey == key, cancellationToken);

    /// <summary>
    /// Stores the handlers' reply (null for none) and, when there is one, gives <paramref name="itemId"/> the right to
    /// carry it, in one statement; false when another attempt stored its reply first (then read the row and claim
    /// delivery as a repeat would).
    /// </summary>
    /// <remarks>
    /// Note: the same as storing the reply and then <see cref="TryClaimDeliveryAsync"/>, without the read between them
    /// (issue 14: two of the five statements a message cost). While a row is <c>processing</c> its reply is null, so no
    /// item can hold its delivery yet (every claim requires a reply): the attempt that stores the reply is the first
    /// that may claim it, and claiming it in the same statement takes nothing from anyone.
    /// </remarks>
    public async Task<bool> TryRecordReplyAsync(string key, long itemId, string? replyXml, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var holder = replyXml is null ? (long?)null : itemId;
        return await db.Messages
            // Note: the holder and delivery conditions always hold while processing (see above); stated anyway, so the
            // statement can never take the reply from a holder whatever a future transition does.
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.Processing && m.DeliveryItemId == null && m.DeliveredVia == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, WeixinMessageStatuses.Replied)
                .SetProperty(m => m.ReplyXml, replyXml)
                .SetProperty(m => m.RepliedAt, now)
                .SetProperty(m => m.DeliveryItemId, holder), cancellationToken) == 1;
    }

    /// <summary>Waits up to <paramref name="wait"/> for another attempt to store its reply; returns the row as it then stands.</summary>
    public async Task<WeixinMessageEntry> WaitWhileProcessingAsync(string key, TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            var row = await FindAsync(key, cancellationToken) ?? throw new InvalidOperationException($"weixin_messages row {key} vanished.");
            var left = time.GetElapsedTime(time.GetTimestamp(), until);
            if (row.Status != WeixinMessageStatuses.Processing || left <= TimeSpan.Zero)
            {
                return row;
            }

            await Task.Delay(left < PollEvery ? left : PollEvery, time, cancellationToken);
        }
    }

    /// <summary>
    /// Takes the right to carry the reply in <paramref name="itemId"/>'s passive answer. One item per message ever
    /// holds it (the same item again keeps it), and only while the reply is undelivered.
    /// </summary>
    public async Task<bool> TryClaimDeliveryAsync(string key, long itemId, CancellationToken cancellationToken) =>
        await db.Messages
            .Where(m => m.DedupKey == key && m.ReplyXml != null && m.DeliveredVia == null
                && (m.DeliveryItemId == null || m.DeliveryItemId == itemId))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.DeliveryItemId, itemId), cancellationToken) == 1;

    /// <summary>
    /// Waits up to <paramref name="wait"/> while the reply is held by an item whose delivery is still undecided (it was
    /// handed out, the holder's completion has not said how it went); returns the row as it then stands.
    /// </summary>
    public async Task<WeixinMessageEntry> WaitWhileDeliveryUndecidedAsync(string key, TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            var row = await FindAsync(key, cancellationToken) ?? throw new InvalidOperationException($"weixin_messages row {key} vanished.");
            var left = time.GetElapsedTime(time.GetTimestamp(), until);
            if (row.DeliveryItemId is null || row.DeliveredVia is not null || left <= TimeSpan.Zero)
            {
                return row;
            }

            await Task.Delay(left < PollEvery ? left : PollEvery, time, cancellationToken);
        }
    }

    /// <summary>
    /// Moves the right to carry the reply from <paramref name="holderItemId"/>, whose passive answer WeChat provably
    /// never got, to the newer <paramref name="itemId"/> of the same message. Only from a passive delivery (never after
    /// the customer-service API took it or it was given up), only forward in item order, and only from the holder the
    /// caller saw: of several items racing for it, one wins.
    /// </summary>
    public async Task<bool> TryTakeOverDeliveryAsync(string key, long holderItemId, long itemId, CancellationToken cancellationToken) =>
        holderItemId < itemId
        && await db.Messages
            .Where(m => m.DedupKey == key && m.ReplyXml != null && m.DeliveryItemId == holderItemId
                && m.DeliveredVia == WeixinDeliveries.Passive)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.DeliveryItemId, itemId)
                .SetProperty(m => m.DeliveredVia, (string?)null)
                .SetProperty(m => m.DeliveredAt, (DateTimeOffset?)null), cancellationToken) == 1;

    /// <summary>Records that the inbox handed the reply to WeChat's waiting request; false if it was already delivered otherwise.</summary>
    public async Task<bool> MarkPassiveAsync(string key, long itemId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Messages
            .Where(m => m.DedupKey == key && m.DeliveredVia == null && m.DeliveryItemId == itemId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.DeliveredVia, WeixinDeliveries.Passive)
                .SetProperty(m => m.DeliveredAt, now), cancellationToken) == 1;
    }

    /// <summary>
    /// Switches an undelivered reply to the customer-service API; true for the one caller that wins it, which must
    /// then send. The row is held (<c>next_attempt_at</c>) for <paramref name="hold"/> so the retry job leaves it alone.
    /// </summary>
    public async Task<bool> ClaimCustomerServiceAsync(string key, long itemId, TimeSpan hold, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + hold;
        return await db.Messages
            .Where(m => m.DedupKey == key && m.ReplyXml != null && m.DeliveredVia == null && m.DeliveryItemId == itemId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.DeliveredVia, WeixinDeliveries.CustomerService)
                .SetProperty(m => m.Status, WeixinMessageStatuses.PendingSend)
                .SetProperty(m => m.NextAttemptAt, until), cancellationToken) == 1;
    }

    /// <summary>Keys of replies whose next customer-service attempt is due, oldest first.</summary>
    public async Task<List<string>> DueSendsAsync(int max, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Messages.AsNoTracking()
            .Where(m => m.Status == WeixinMessageStatuses.PendingSend && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt)
            .Select(m => m.DedupKey)
            .Take(max)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Takes a due send for one attempt (held for <paramref name="hold"/>); false when another poller took it.</summary>
    public async Task<bool> TryClaimDueSendAsync(string key, TimeSpan hold, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now + hold;
        return await db.Messages
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.PendingSend && m.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, until), cancellationToken) == 1;
    }

    /// <summary>Marks a claimed send as on its way to WeChat (<see cref="CustomerServiceSender.SendingMarker"/>).</summary>
    public Task MarkSendingAsync(string key, string marker, CancellationToken cancellationToken) =>
        db.Messages
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.PendingSend)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LastError, marker), cancellationToken);

    /// <summary>Records a successful customer-service send.</summary>
    public Task RecordSentAsync(string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.Messages
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.PendingSend)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, WeixinMessageStatuses.Replied)
                .SetProperty(m => m.DeliveredAt, now)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LastError, (string?)null), cancellationToken);
    }

    /// <summary>Records that the reply will not be delivered (WeChat refused it for good, or the tries ran out).</summary>
    public Task RecordUndeliverableAsync(string key, string error, CancellationToken cancellationToken) =>
        db.Messages
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.PendingSend)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, WeixinMessageStatuses.Replied)
                .SetProperty(m => m.DeliveredVia, WeixinDeliveries.None)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LastError, Clip(error, 512)), cancellationToken);

    /// <summary>Records a transient failure; the retry job tries again at <paramref name="nextAttemptAt"/>.</summary>
    public Task RecordRetryAsync(string key, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        db.Messages
            .Where(m => m.DedupKey == key && m.Status == WeixinMessageStatuses.PendingSend)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.NextAttemptAt, nextAttemptAt)
                .SetProperty(m => m.LastError, Clip(error, 512)), cancellationToken);
}
