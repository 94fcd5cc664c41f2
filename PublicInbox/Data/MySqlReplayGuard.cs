using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>The inbox's replay store of signed poller requests (<c>request_ids</c> in <c>weixin_inbox</c>).</summary>
public sealed class MySqlReplayGuard(InboxDbContext db, TimeProvider time, ILogger<MySqlReplayGuard> logger) : SqlReplayGuard(time, logger)
{
    protected override Task<int> ExecuteAsync(FormattableString sql, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(sql, cancellationToken);
}
