using Microsoft.EntityFrameworkCore;
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
/// out an authorize URL; <c>/wx/oauth/callback</c> checks a state with one primary-key read and consumes it atomically
/// in the transaction that stores the item, so a state yields at most one item whatever the number of instances.
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

    /// <summary>One primary-key read: may a callback with this state be stored?</summary>
    public async Task<StateVerdict> CheckAsync(byte[] stateHash, CancellationToken cancellationToken)
    {
        var row = await db.OAuthStates.AsNoTracking()
            .Where(s => s.StateHash == stateHash)
            .Select(s => new { s.ExpiresAt, s.UsedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return StateVerdict.Unknown;
        }

        if (row.UsedAt is not null)
        {
            return StateVerdict.Used;
        }

        return row.ExpiresAt <= time.GetUtcNow().UtcDateTime ? StateVerdict.Expired : StateVerdict.Announced;
    }

    /// <summary>
    /// Marks the state used if it still is announced, unused and unexpired; true when this call did. Run it inside the
    /// transaction that stores the item: the row lock makes a parallel second callback wait and then find it used.
    /// </summary>
    public async Task<bool> TryConsumeAsync(byte[] stateHash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE oauth_states SET used_at = {now} WHERE state_hash = {stateHash} AND used_at IS NULL AND expires_at > {now}",
            cancellationToken);
        return changed == 1;
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
