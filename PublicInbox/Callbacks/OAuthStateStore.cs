using System.Text;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>One OAuth state the poller announced (<c>oauth_states</c>); only its SHA-256 is kept.</summary>
public sealed class AnnouncedOAuthState
{
    /// <summary>SHA-256 of the state (32 bytes), the primary key: the callback's check is one key lookup.</summary>
    public required byte[] StateHash { get; set; }

    /// <summary>When the state stops being accepted (UTC); expired rows are deleted by the retention job.</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>When a callback consumed it (UTC); null while unused.</summary>
    public DateTime? UsedAt { get; set; }

    /// <summary>When the poller announced it (UTC).</summary>
    public DateTime AnnouncedAt { get; set; }
}

/// <summary>What the inbox knows about a callback's state.</summary>
public enum StateVerdict
{
    /// <summary>Announced, unused, not expired: the callback may be stored (and consumes it).</summary>
    Announced,

    /// <summary>Nobody announced it (made up, from another system, or purged after expiry).</summary>
    Unknown,

    /// <summary>Announced but past its expiry.</summary>
    Expired,

    /// <summary>Announced and already consumed by an earlier callback.</summary>
    Used,
}

/// <summary>
/// The only code that reads or writes <c>oauth_states</c> (owner class). The poller announces states here before it hands
/// out an authorize URL; <c>/wx/oauth/callback</c>'s batch (<see cref="Items.ItemIngest"/>) reads its states with one
/// locking read and consumes them atomically in the transaction that stores the items, so a state yields at most one
/// item whatever the number of instances.
/// </summary>
public sealed class OAuthStateStore(InboxDbContext db, TimeProvider time)
{
    /// <summary>Rows deleted per statement by <see cref="PurgeExpiredAsync"/>.</summary>
    public const int PurgeBatchSize = 5000;

    /// <summary>Stores an announcement; a repeated one (the poller's retry) keeps the first row as it is.</summary>
    public async Task AnnounceAsync(byte[] stateHash, DateTime expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Note: INSERT IGNORE, so a retried announcement can never revive a state that was used meanwhile.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO oauth_states (state_hash, expires_at, used_at, announced_at) VALUES ({stateHash}, {expiresAt}, NULL, {now})",
            cancellationToken);
    }

    /// <summary>
    /// The group commit's half (<see cref="Items.ItemIngest"/>): in the batch's transaction, locks the announced states of
    /// <paramref name="stateHashes"/> (one locking read), decides each callback in order, and marks the consumable ones
    /// used (one statement). Of two callbacks with one state in the batch the first gets it, the second finds it used.
    /// Answers the verdicts in the order of <paramref name="stateHashes"/>; <see cref="StateVerdict.Announced"/> means
    /// this call consumed the state, so the caller must store that item in the same transaction.
    /// </summary>
    public async Task<StateVerdict[]> ConsumeBatchAsync(MySqlConnection connection, MySqlTransaction transaction, IReadOnlyList<byte[]> stateHashes)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = new Dictionary<string, (DateTime ExpiresAt, DateTime? UsedAt)>(stateHashes.Count);
        await using (var read = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            // Note: FOR UPDATE, so another instance's batch with one of these states waits for this commit and then
            // finds it used (the row lock is what makes a state yield at most one item across instances).
            read.CommandText = "SELECT state_hash, expires_at, used_at FROM oauth_states WHERE state_hash IN (" + Parameters(read, stateHashes) + ") FOR UPDATE";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var hash = (byte[])reader.GetValue(0);
                rows[Convert.ToHexString(hash)] = (reader.GetDateTime(1), reader.IsDBNull(2) ? null : reader.GetDateTime(2));
            }
        }

        var verdicts = new StateVerdict[stateHashes.Count];
        var consume = new List<byte[]>(stateHashes.Count);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stateHashes.Count; i++)
        {
            var key = Convert.ToHexString(stateHashes[i]);
            verdicts[i] = !rows.TryGetValue(key, out var row) ? StateVerdict.Unknown
                : row.UsedAt is not null || !taken.Add(key) ? StateVerdict.Used
                : row.ExpiresAt <= now ? StateVerdict.Expired
                : StateVerdict.Announced;
            if (verdicts[i] == StateVerdict.Announced)
            {
                consume.Add(stateHashes[i]);
            }
        }

        if (consume.Count > 0)
        {
            await using var update = new MySqlCommand { Connection = connection, Transaction = transaction };
            update.CommandText = "UPDATE oauth_states SET used_at = @now WHERE used_at IS NULL AND state_hash IN (" + Parameters(update, consume) + ")";
            update.Parameters.AddWithValue("@now", now);
            var changed = await update.ExecuteNonQueryAsync();
            if (changed != consume.Count)
            {
                // Note: cannot happen while the rows are locked; if it does, storing the batch would break "one state, one item".
                throw new InvalidOperationException($"Consumed {changed} of {consume.Count} locked OAuth states; the batch is rolled back.");
            }
        }

        return verdicts;
    }

    private static string Parameters(MySqlCommand command, IReadOnlyList<byte[]> stateHashes)
    {
        var list = new StringBuilder(stateHashes.Count * 6);
        for (var i = 0; i < stateHashes.Count; i++)
        {
            var name = "@s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            list.Append(i == 0 ? "" : ",").Append(name);
            command.Parameters.AddWithValue(name, stateHashes[i]);
        }

        return list.ToString();
    }

    /// <summary>Deletes states that expired before <paramref name="before"/>, in batches; answers how many.</summary>
    public async Task<int> PurgeExpiredAsync(DateTime before, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"DELETE FROM oauth_states WHERE expires_at < {before} LIMIT {PurgeBatchSize}", cancellationToken);
            total += deleted;
        }
        while (deleted == PurgeBatchSize);

        return total;
    }
}
