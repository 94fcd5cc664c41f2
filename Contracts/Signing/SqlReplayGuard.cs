using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// The replay store of signed requests in a MySQL table <c>request_ids (id varchar(128) primary key, expires_at datetime)</c>,
/// shared by every instance of a service. Each service supplies how to run SQL on its own database.
/// </summary>
public abstract class SqlReplayGuard(TimeProvider time, ILogger logger) : IReplayGuard
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(1);
    private static long nextCleanupTicks;

    /// <summary>Runs one interpolated SQL statement on the service's database; returns the rows affected.</summary>
    protected abstract Task<int> ExecuteAsync(FormattableString sql, CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (CleanupIsDue(now))
        {
            await DeleteExpiredAsync(now, cancellationToken);
        }

        // Note: INSERT IGNORE is atomic across instances: exactly one request with a given id gets "1 row affected".
        var inserted = await ExecuteAsync($"INSERT IGNORE INTO request_ids (id, expires_at) VALUES ({requestId}, {expiresAt.UtcDateTime})", cancellationToken);
        return inserted == 1;
    }

    private async Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await ExecuteAsync($"DELETE FROM request_ids WHERE expires_at < {now.UtcDateTime} LIMIT 10000", cancellationToken);
            logger.LogDebug("Deleted {Count} expired request ids", deleted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Note: housekeeping must never refuse a request; the next due time tries again.
            logger.LogWarning(ex, "Could not delete expired request ids");
        }
    }

    /// <summary>True at most once a minute per process, for exactly one caller.</summary>
    private static bool CleanupIsDue(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref nextCleanupTicks);
        return now.UtcTicks >= next && Interlocked.CompareExchange(ref nextCleanupTicks, (now + CleanupEvery).UtcTicks, next) == next;
    }
}
