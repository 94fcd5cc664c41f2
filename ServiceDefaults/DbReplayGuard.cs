using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// The replay store of signed requests in the table <c>request_ids (id varchar(128) primary key, expires_at datetime(6))</c>
/// of <typeparamref name="TContext"/>'s database, shared by every instance of the service. Expired ids are deleted at
/// most once a minute per process, in the request that finds the cleanup due.
/// </summary>
public sealed class DbReplayGuard<TContext>(TContext db, TimeProvider time, ILogger<DbReplayGuard<TContext>> logger) : IReplayGuard
    where TContext : DbContext
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(1);

    // Note: one per closed type, so per database when a process has several.
    private static long nextCleanupTicks;

    /// <inheritdoc />
    public async Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (CleanupIsDue(now))
        {
            await DeleteExpiredAsync(now, cancellationToken);
        }

        // Note: INSERT IGNORE is atomic across instances: exactly one request with a given id gets "1 row affected".
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO request_ids (id, expires_at) VALUES ({requestId}, {expiresAt.UtcDateTime})", cancellationToken);
        return inserted == 1;
    }

    private async Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"DELETE FROM request_ids WHERE expires_at < {now.UtcDateTime} LIMIT 10000", cancellationToken);
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

/// <summary>Registration of <see cref="DbReplayGuard{TContext}"/>.</summary>
public static class ReplayGuardExtensions
{
    /// <summary>
    /// Makes <see cref="IReplayGuard"/> (used by <c>UseSignedRequests</c>) a <see cref="DbReplayGuard{TContext}"/>: the
    /// request ids live in <c>request_ids</c> of <typeparamref name="TContext"/>'s database.
    /// </summary>
    public static IHostApplicationBuilder AddReplayGuard<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        builder.Services.AddScoped<IReplayGuard, DbReplayGuard<TContext>>();
        return builder;
    }
}
