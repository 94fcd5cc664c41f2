using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>Remembers signed request ids in MySQL, so a replay is refused by every inbox instance.</summary>
public sealed class MySqlReplayGuard(InboxDbContext db, TimeProvider time) : IReplayGuard
{
    public async Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var expires = expiresAt.UtcDateTime;
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO request_ids (id, expires_at) VALUES ({requestId}, {expires})", cancellationToken);

        // Note: pruning on a small share of requests keeps the table at about one window of ids without a separate job.
        if (Random.Shared.Next(50) == 0)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await db.Database.ExecuteSqlInterpolatedAsync($"DELETE FROM request_ids WHERE expires_at < {now} LIMIT 1000", cancellationToken);
        }

        return inserted == 1;
    }
}
