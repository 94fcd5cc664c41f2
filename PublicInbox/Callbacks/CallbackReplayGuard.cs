using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
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

/// <summary>What <see cref="CallbackReplayGuard.CheckBatchAsync"/> decided for one callback.</summary>
public enum ReplayVerdict
{
    /// <summary>First time this timestamp and nonce are seen.</summary>
    New,

    /// <summary>Seen before with the same body: WeChat retrying (accepted; the poller de-duplicates the message).</summary>
    Retry,

    /// <summary>Seen before with another body: a captured signature reused for a forged body (refused).</summary>
    Replay,
}

/// <summary>A callback's <c>timestamp</c> and <c>nonce</c> with the SHA-256 of the body they came with.</summary>
public sealed record CallbackSignature(string Timestamp, string Nonce, byte[] BodySha256)
{
    /// <summary>The signature of <paramref name="body"/> received with <paramref name="timestamp"/> and <paramref name="nonce"/>.</summary>
    public static CallbackSignature Of(string timestamp, string nonce, string body) =>
        new(timestamp, nonce, SHA256.HashData(Encoding.UTF8.GetBytes(body)));
}

/// <summary>
/// Remembers each <c>(timestamp, nonce)</c> of <c>/wx/callback</c> with its body's hash for the skew window, in MySQL so
/// every inbox instance shares it (the only code that reads or writes <c>callback_signatures</c>). Why: in plaintext
/// mode WeChat's <c>signature</c> covers only token, timestamp and nonce, not the body, so without this a captured
/// request's query would sign any body for five minutes. The same triple with the same body is a retry; with another
/// body it is refused.
/// </summary>
public sealed class CallbackReplayGuard(InboxDbContext db)
{
    /// <summary>Rows deleted per statement by <see cref="PurgeAsync"/>.</summary>
    public const int PurgeBatchSize = 5000;

    /// <summary>
    /// Records the batch's pairs (first sight) or compares each body with the one its pair first came with, in the
    /// transaction that stores the batch's items (<see cref="Items.ItemIngest"/>), so every stored callback's pair is
    /// remembered; so are the pairs of callbacks that arrived but were not stored (see <see cref="Items.ItemIngest"/>).
    /// Verdicts in the order of <paramref name="signatures"/>. <paramref name="transaction"/> null: each statement
    /// commits on its own.
    /// </summary>
    /// <remarks>
    /// Note: one multi-row <c>INSERT IGNORE … RETURNING</c> for the whole batch instead of one autocommit statement (and
    /// one commit) per callback (issue 14). IGNORE decides atomically across instances, and MariaDB returns only the rows
    /// it inserted: the others were seen before, by an earlier callback or by one earlier in this batch, and their first
    /// body is read back in one statement. The rows go in key order, so two batches sharing pairs wait for each other
    /// instead of deadlocking.
    /// </remarks>
    public static async Task<ReplayVerdict[]> CheckBatchAsync(
        MySqlConnection connection, MySqlTransaction? transaction, IReadOnlyList<CallbackSignature> signatures, DateTime now,
        CancellationToken cancellationToken = default)
    {
        var verdicts = new ReplayVerdict[signatures.Count];
        if (signatures.Count == 0)
        {
            return verdicts;
        }

        var order = Enumerable.Range(0, signatures.Count)
            .OrderBy(i => signatures[i].Timestamp, StringComparer.Ordinal).ThenBy(i => signatures[i].Nonce, StringComparer.Ordinal).ToList();
        var inserted = new HashSet<(string, string)>();
        await using (var insert = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            var sql = new StringBuilder("INSERT IGNORE INTO callback_signatures (timestamp, nonce, body_sha256, seen_at) VALUES ", 100 + (signatures.Count * 40));
            insert.Parameters.AddWithValue("@now", now);
            for (var k = 0; k < order.Count; k++)
            {
                var signature = signatures[order[k]];
                var n = k.ToString(CultureInfo.InvariantCulture);
                sql.Append(k == 0 ? "(@t" : ",(@t").Append(n).Append(",@n").Append(n).Append(",@h").Append(n).Append(",@now)");
                insert.Parameters.AddWithValue("@t" + n, signature.Timestamp);
                insert.Parameters.AddWithValue("@n" + n, signature.Nonce);
                insert.Parameters.AddWithValue("@h" + n, signature.BodySha256);
            }

            insert.CommandText = sql.Append(" RETURNING timestamp, nonce").ToString();
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var seenBefore = new List<int>();
        foreach (var i in order)
        {
            // Note: the first of two callbacks with one pair in this batch inserted it; the second compares with its body.
            if (inserted.Remove((signatures[i].Timestamp, signatures[i].Nonce)))
            {
                verdicts[i] = ReplayVerdict.New;
            }
            else
            {
                seenBefore.Add(i);
            }
        }

        if (seenBefore.Count == 0)
        {
            return verdicts;
        }

        var first = new Dictionary<(string, string), byte[]>();
        await using (var select = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            var sql = new StringBuilder("SELECT timestamp, nonce, body_sha256 FROM callback_signatures WHERE ");
            for (var k = 0; k < seenBefore.Count; k++)
            {
                var n = k.ToString(CultureInfo.InvariantCulture);
                sql.Append(k == 0 ? "(timestamp = @t" : " OR (timestamp = @t").Append(n).Append(" AND nonce = @n").Append(n).Append(')');
                select.Parameters.AddWithValue("@t" + n, signatures[seenBefore[k]].Timestamp);
                select.Parameters.AddWithValue("@n" + n, signatures[seenBefore[k]].Nonce);
            }

            select.CommandText = sql.ToString();
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                first[(reader.GetString(0), reader.GetString(1))] = (byte[])reader.GetValue(2);
            }
        }

        foreach (var i in seenBefore)
        {
            verdicts[i] = first.TryGetValue((signatures[i].Timestamp, signatures[i].Nonce), out var hash)
                && CryptographicOperations.FixedTimeEquals(hash, signatures[i].BodySha256)
                ? ReplayVerdict.Retry
                : ReplayVerdict.Replay;
        }

        return verdicts;
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
