using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Health;

/// <summary>
/// The readiness check <c>poller</c>: <c>ok</c> when a poller claimed within <c>Inbox:PollerSilenceThreshold</c>,
/// <c>silent</c> after that, <c>never</c> when none ever did (<c>unknown</c> when MySQL does not answer); the last contact
/// as <c>pollerLastSeenAt</c> (UTC). Never worse than degraded, so it never makes <c>/readyz</c> answer 503.
/// </summary>
public sealed class PollerContactCheck(InboxDbContext db, TimeProvider time, IOptions<InboxOptions> options) : IHealthCheck
{
    /// <summary>The check's name (its property in the <c>/readyz</c> body).</summary>
    public const string Name = "poller";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DateTime? lastSeen;
        try
        {
            lastSeen = await db.Pollers.MaxAsync(p => (DateTime?)p.LastClaimAt, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded(data: new Dictionary<string, object> { [HealthCheckExtensions.StateKey] = "unknown" });
        }

        if (lastSeen is not { } seen)
        {
            return HealthCheckResult.Degraded(data: new Dictionary<string, object> { [HealthCheckExtensions.StateKey] = "never" });
        }

        var silent = time.GetUtcNow().UtcDateTime - seen > options.Value.PollerSilenceThreshold;
        var data = new Dictionary<string, object>
        {
            [HealthCheckExtensions.StateKey] = silent ? "silent" : "ok",
            ["LastSeenAt"] = DateTime.SpecifyKind(seen, DateTimeKind.Utc),
        };
        // Note: a silent intranet is reported, not made "not ready": the inbox must go on storing WeChat's callbacks
        // (that is its whole point while the poller is away), so a load balancer must keep it in.
        return silent ? HealthCheckResult.Degraded(data: data) : HealthCheckResult.Healthy(data: data);
    }
}

/// <summary>Registration of the inbox's readiness checks.</summary>
public static class HealthExtensions
{
    /// <summary><c>/readyz</c> of the inbox: the database, and the poller's last contact (<see cref="PollerContactCheck"/>).</summary>
    public static WebApplicationBuilder AddInboxHealth(this WebApplicationBuilder builder)
    {
        // Note: the checks run side by side; with MySQL down this one must not hold the probe past the database's timeout.
        builder.AddDatabaseHealthCheck<InboxDbContext>()
            .AddCheck<PollerContactCheck>(PollerContactCheck.Name, HealthStatus.Degraded, [HealthCheckExtensions.ReadyTag], HealthCheckExtensions.DatabaseTimeout);
        return builder;
    }
}
