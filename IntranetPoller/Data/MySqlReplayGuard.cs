using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// The replay store of signed requests, in <c>request_ids</c>, so every gateway instance refuses an id any of them has seen.
/// </summary>
public sealed class MySqlReplayGuard(GatewayDbContext db, ReplayCleanupSchedule cleanup, TimeProvider time, ILogger<MySqlReplayGuard> logger) : IReplayGuard
{
    /// <inheritdoc />
    public async Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cleanup.IsDue(now))
        {
            await DeleteExpiredAsync(now, cancellationToken);
        }

        // Note: INSERT IGNORE is atomic across instances: exactly one request with a given id gets "1 row affected".
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO request_ids (id, expires_at) VALUES ({requestId}, {expiresAt.UtcDateTime})",
            cancellationToken);
        return inserted == 1;
    }

    private async Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"DELETE FROM request_ids WHERE expires_at < {now.UtcDateTime} LIMIT 10000",
                cancellationToken);
            logger.LogDebug("Deleted {Count} expired request ids", deleted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Note: housekeeping must never refuse a request; the next due time tries again.
            logger.LogWarning(ex, "Could not delete expired request ids");
        }
    }
}

/// <summary>Decides when this instance next deletes expired request ids (about once a minute).</summary>
public sealed class ReplayCleanupSchedule
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);
    private long _nextTicks;

    /// <summary>True at most once per minute, for exactly one caller.</summary>
    public bool IsDue(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextTicks);
        return now.UtcTicks >= next && Interlocked.CompareExchange(ref _nextTicks, (now + Every).UtcTicks, next) == next;
    }
}
