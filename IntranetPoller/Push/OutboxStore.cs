using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// The <c>outbox_messages</c> rows: queueing, claiming (a lease, <c>FOR UPDATE SKIP LOCKED</c>) and every delivery
/// transition, each one conditional statement on the claim, so several pollers share the table.
/// </summary>
public sealed class OutboxStore(GatewayDbContext db, TimeProvider time)
{
    /// <summary>How long a claim waits for another instance's claim to finish before giving up this round.</summary>
    private const int ClaimLockWaitSeconds = 5;


    /// <summary>Queues a message; when the key is taken, answers the existing row instead (Created = false).</summary>
    public async Task<(OutboxMessage Message, bool Created)> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var existing = await FindByKeyAsync(message.IdempotencyKey, cancellationToken);
        if (existing is not null)
        {
            return (existing, false);
        }

        db.Outbox.Add(message);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return (message, true);
        }
        catch (DbUpdateException ex) when (ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry })
        {
            // Note: two requests with one key at the same moment: the unique index lets one insert; the other answers its row.
            db.Entry(message).State = EntityState.Detached;
            return (await FindByKeyAsync(message.IdempotencyKey, cancellationToken)
                ?? throw new InvalidOperationException("Duplicate idempotency key but no row."), false);
        }
    }

    /// <summary>Reads one message.</summary>
    public Task<OutboxMessage?> FindAsync(long id, CancellationToken cancellationToken) =>
        db.Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, cancellationToken);

    /// <summary>Messages newest first, optionally in one status.</summary>
    public Task<List<OutboxMessage>> ListAsync(string? status, int limit, CancellationToken cancellationToken)
    {
        var query = db.Outbox.AsNoTracking();
        if (status is not null)
        {
            query = query.Where(m => m.Status == status);
        }

        return query.OrderByDescending(m => m.Id).Take(limit).ToListAsync(cancellationToken);
    }

    /// <summary>Queues a failed or dead message again with its attempts reset; false for any other state.</summary>
    public async Task<bool> ResendAsync(long id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Outbox
            .Where(m => m.Id == id && (m.Status == MessageStatuses.Failed || m.Status == MessageStatuses.Dead))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatuses.Queued)
                .SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.InFlightAs, (string?)null)
                .SetProperty(m => m.InFlightSince, (DateTimeOffset?)null)
                .SetProperty(m => m.UncertainSince, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), cancellationToken) == 1;
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> due messages for <paramref name="instance"/>: queued ones whose time has
    /// come, and ones left <c>sending</c> by an instance whose lease lapsed; never more than
    /// <paramref name="maxPerMinute"/> attempts in any 60 s across all instances. The rows come back as they were
    /// before the claim (<see cref="OutboxMessage.InFlightAs"/> set means the previous attempt's outcome is unknown),
    /// with <see cref="OutboxMessage.Attempts"/> already counting this attempt.
    /// </summary>
    public async Task<List<OutboxMessage>> ClaimAsync(string instance, int max, int maxPerMinute, TimeSpan lease, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // Note: the count of recent attempts and the claim must be one step for all instances together, or two
            // instances could each see room for a full batch; a named lock serialises just this step.
            if (!await GetLockAsync(connection, cancellationToken))
            {
                return [];
            }

            try
            {
                return await ClaimLockedAsync(instance, max, maxPerMinute, lease, cancellationToken);
            }
            finally
            {
                await ReleaseLockAsync(connection);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<List<OutboxMessage>> ClaimLockedAsync(string instance, int max, int maxPerMinute, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var minuteAgo = now - TimeSpan.FromMinutes(1);
        var recent = await db.Outbox.CountAsync(m => m.LastAttemptAt > minuteAgo, cancellationToken);
        var budget = Math.Min(max, maxPerMinute - recent);
        if (budget <= 0)
        {
            return [];
        }

        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var nowUtc = now.UtcDateTime;
        // Note: two index-friendly selects instead of one OR; SKIP LOCKED passes over rows another transaction holds
        // (a resend, a record) instead of waiting for them.
        var due = await db.Outbox
            .FromSqlInterpolated($"""
                SELECT * FROM outbox_messages
                WHERE status = {MessageStatuses.Queued} AND next_attempt_at <= {nowUtc}
                ORDER BY next_attempt_at, id
                LIMIT {budget}
                FOR UPDATE SKIP LOCKED
                """)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (due.Count < budget)
        {
            due.AddRange(await db.Outbox
                .FromSqlInterpolated($"""
                    SELECT * FROM outbox_messages
                    WHERE status = {MessageStatuses.Sending} AND lease_until < {nowUtc}
                    ORDER BY lease_until, id
                    LIMIT {budget - due.Count}
                    FOR UPDATE SKIP LOCKED
                    """)
                .AsNoTracking()
                .ToListAsync(cancellationToken));
        }

        if (due.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return [];
        }

        var ids = due.Select(m => m.Id).ToList();
        var until = now + lease;
        await db.Outbox
            .Where(m => ids.Contains(m.Id))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatuses.Sending)
                .SetProperty(m => m.ClaimedBy, instance)
                .SetProperty(m => m.LeaseUntil, until)
                .SetProperty(m => m.LastAttemptAt, now)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var message in due)
        {
            message.Attempts++;
            message.ClaimedBy = instance;
            message.LeaseUntil = until;
            message.LastAttemptAt = now;
        }

        return due;
    }

    /// <summary>
    /// Records that <paramref name="inFlightAs"/> is about to be handed to WeChat and renews the lease; false when the
    /// claim was lost (then nothing may be sent).
    /// </summary>
    public async Task<bool> MarkInFlightAsync(long id, string instance, string inFlightAs, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now + lease;
        return await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.InFlightAs, inFlightAs)
                .SetProperty(m => m.InFlightSince, now)
                .SetProperty(m => m.LeaseUntil, until), cancellationToken) == 1;
    }

    /// <summary>Records WeChat's acceptance.</summary>
    public async Task<bool> RecordSentAsync(long id, string instance, string sentAs, long? msgId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatuses.Sent)
                .SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.SentAs, sentAs)
                .SetProperty(m => m.WeixinMsgId, msgId)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.InFlightAs, (string?)null)
                .SetProperty(m => m.InFlightSince, (DateTimeOffset?)null), cancellationToken) == 1;
    }

    /// <summary>Records a final outcome without delivery: <c>failed</c> (refused for good) or <c>dead</c> (tries ran out).</summary>
    public async Task<bool> RecordFinalAsync(long id, string instance, string status, int errCode, string error, CancellationToken cancellationToken) =>
        await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status)
                .SetProperty(m => m.LastErrCode, errCode)
                .SetProperty(m => m.LastError, Clip(error, 512)!)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.InFlightAs, (string?)null)
                .SetProperty(m => m.InFlightSince, (DateTimeOffset?)null), cancellationToken) == 1;

    /// <summary>
    /// Queues the message again for <paramref name="nextAttemptAt"/> after a transient failure;
    /// <paramref name="uncertainSince"/> keeps when WeChat may first have accepted it.
    /// </summary>
    public async Task<bool> RecordRetryAsync(
        long id, string instance, DateTimeOffset nextAttemptAt, int errCode, string error, DateTimeOffset? uncertainSince, CancellationToken cancellationToken) =>
        await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatuses.Queued)
                .SetProperty(m => m.UncertainSince, uncertainSince)
                .SetProperty(m => m.NextAttemptAt, nextAttemptAt)
                .SetProperty(m => m.LastErrCode, errCode)
                .SetProperty(m => m.LastError, Clip(error, 512)!)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.InFlightAs, (string?)null)
                .SetProperty(m => m.InFlightSince, (DateTimeOffset?)null), cancellationToken) == 1;

    /// <summary>Hands a claimed message back untried (the outbox is paused): due again at <paramref name="nextAttemptAt"/>, the attempt not counted.</summary>
    public async Task ReleaseAsync(long id, string instance, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatuses.Queued)
                .SetProperty(m => m.NextAttemptAt, nextAttemptAt)
                .SetProperty(m => m.Attempts, m => m.Attempts - 1)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), cancellationToken);

    /// <summary>
    /// Records why a customer-service message goes out as its fallback template (45015 or 45047), so the sent message
    /// still says why it arrived as a template; a later failure of the template overwrites it.
    /// </summary>
    public async Task<bool> RecordFallbackReasonAsync(long id, string instance, int errCode, string reason, CancellationToken cancellationToken) =>
        await Claimed(id, instance)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.LastErrCode, errCode)
                .SetProperty(m => m.LastError, Clip(reason, 512)!), cancellationToken) == 1;

    private IQueryable<OutboxMessage> Claimed(long id, string instance) =>
        db.Outbox.Where(m => m.Id == id && m.Status == MessageStatuses.Sending && m.ClaimedBy == instance);

    private Task<OutboxMessage?> FindByKeyAsync(string key, CancellationToken cancellationToken) =>
        db.Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.IdempotencyKey == key, cancellationToken);

    private static async Task<bool> GetLockAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // Note: lock names are server-wide; the database's name keeps two gateways on one server apart.
        command.CommandText = $"SELECT GET_LOCK(CONCAT(DATABASE(), '.outbox_claim'), {ClaimLockWaitSeconds})";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken) ?? 0L, System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    private static async Task ReleaseLockAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.outbox_claim'))";
        await command.ExecuteScalarAsync(CancellationToken.None);
    }
}
