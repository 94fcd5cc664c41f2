using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>One (timestamp, nonce) pair seen on <c>/wx/callback</c> with the hash of the body it came with.</summary>
public sealed class SeenCallbackSignature
{
    /// <summary>WeChat's <c>timestamp</c> query parameter (digits, at most 16).</summary>
    public required string Timestamp { get; set; }

    /// <summary>WeChat's <c>nonce</c> query parameter (at most 64 characters).</summary>
    public required string Nonce { get; set; }

    /// <summary>SHA-256 of the body the pair first came with.</summary>
    public required byte[] BodySha256 { get; set; }

    /// <summary>When the pair was first seen (UTC); rows older than twice the timestamp skew are deleted.</summary>
    public DateTime SeenAt { get; set; }
}

/// <summary>What <see cref="CallbackReplayGuard.CheckAsync"/> decided.</summary>
public enum ReplayVerdict
{
    /// <summary>First time this timestamp and nonce are seen.</summary>
    New,

    /// <summary>Seen before with the same body: WeChat retrying (accepted; the poller de-duplicates the message).</summary>
    Retry,

    /// <summary>Seen before with another body: a captured signature reused for a forged body (refused).</summary>
    Replay,
}

/// <summary>
/// Remembers each <c>(timestamp, nonce)</c> of <c>/wx/callback</c> with its body's hash for the skew window, in MySQL so
/// every inbox instance shares it (the only code that reads or writes <c>callback_signatures</c>). Why: in plaintext
/// mode WeChat's <c>signature</c> covers only token, timestamp and nonce, not the body, so without this a captured
/// request's query would sign any body for five minutes. The same triple with the same body is a retry; with another
/// body it is refused.
/// </summary>
public sealed class CallbackReplayGuard(InboxDbContext db, TimeProvider time)
{
    /// <summary>Rows deleted per statement by <see cref="PurgeAsync"/>.</summary>
    public const int PurgeBatchSize = 5000;

    /// <summary>Records the pair (first sight) or compares the body with the one it first came with.</summary>
    public async Task<ReplayVerdict> CheckAsync(string timestamp, string nonce, string body, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(body));
        var now = time.GetUtcNow().UtcDateTime;
        // Note: INSERT IGNORE decides atomically across instances: exactly one request inserts a pair.
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO callback_signatures (timestamp, nonce, body_sha256, seen_at) VALUES ({timestamp}, {nonce}, {hash}, {now})",
            cancellationToken);
        if (inserted == 1)
        {
            return ReplayVerdict.New;
        }

        var first = await db.CallbackSignatures.AsNoTracking()
            .Where(s => s.Timestamp == timestamp && s.Nonce == nonce)
            .Select(s => s.BodySha256)
            .SingleOrDefaultAsync(cancellationToken);
        return first is not null && CryptographicOperations.FixedTimeEquals(first, hash) ? ReplayVerdict.Retry : ReplayVerdict.Replay;
    }

    /// <summary>Deletes pairs seen before <paramref name="before"/>, in batches; answers how many.</summary>
    public async Task<int> PurgeAsync(DateTime before, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"DELETE FROM callback_signatures WHERE seen_at < {before} LIMIT {PurgeBatchSize}", cancellationToken);
            total += deleted;
        }
        while (deleted == PurgeBatchSize);

        return total;
    }
}

/// <summary>
/// Deletes remembered callback signatures once their timestamp can no longer pass the skew check (twice
/// <c>Inbox:MaxTimestampSkew</c> after they were seen), every <c>Inbox:MaxTimestampSkew</c>. Runs whether or not
/// retention is enabled: the table must stay small for the callback path.
/// </summary>
[DisallowConcurrentExecution]
public sealed class CallbackSignaturePurgeJob(IServiceScopeFactory scopes, IOptions<InboxOptions> options, TimeProvider time, ILogger<CallbackSignaturePurgeJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("callback-signature-purge", "inbox");

    /// <summary>Registers the guard and its purge job.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<CallbackReplayGuard>();
        services.AddIntervalJob<CallbackSignaturePurgeJob, InboxOptions>(Key, inbox => inbox.MaxTimestampSkew, firstRunDelay: TimeSpan.FromSeconds(30));
    }

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var before = time.GetUtcNow().UtcDateTime - (2 * options.Value.MaxTimestampSkew);
            var deleted = await scope.ServiceProvider.GetRequiredService<CallbackReplayGuard>().PurgeAsync(before, cancellationToken);
            if (deleted > 0)
            {
                logger.LogDebug("Forgot {Count} callback signatures seen before {Before:O}", deleted, before);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; the next run deletes the rest.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Purging callback signatures failed; the next run tries again");
        }
    }
}
