using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>The gateway's replay store of signed requests (<c>request_ids</c> in <c>weixin_gateway</c>).</summary>
public sealed class MySqlReplayGuard(GatewayDbContext db, TimeProvider time, ILogger<MySqlReplayGuard> logger) : SqlReplayGuard(time, logger)
{
    protected override Task<int> ExecuteAsync(FormattableString sql, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(sql, cancellationToken);
}
