using Microsoft.EntityFrameworkCore;
using Prometheus;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>The push outbox's Prometheus metrics.</summary>
public static class PushMetrics
{
    /// <summary>Delivery attempts by outcome (<see cref="PushOutcomes"/>).</summary>
    public static readonly Counter Attempts = Metrics.CreateCounter(
        "push_attempts_total", "Push outbox delivery attempts by this instance, by outcome (sent, failed, retry, dead, paused, lost).", "outcome");

    /// <summary>40164 refusals: this host's egress IP is not on the account's IP whitelist.</summary>
    public static readonly Counter IpRefusals = Metrics.CreateCounter(
        "push_ip_not_whitelisted_total", "WeChat refused this host's egress IP (40164); the outbox pauses each time.");

    /// <summary>Counts one 40164 refusal.</summary>
    public static void IpNotWhitelisted() => IpRefusals.Inc();

    /// <summary>Outbox messages by status, read from MySQL at scrape time (true across several poller instances).</summary>
    public static readonly Gauge Depth = Metrics.CreateGauge(
        "push_outbox_depth", "Push outbox messages by status (read from MySQL at scrape time).", "status");

    /// <summary>Age of the oldest message waiting to be sent (0 when none).</summary>
    public static readonly Gauge OldestQueuedAge = Metrics.CreateGauge(
        "push_outbox_oldest_queued_age_seconds", "Age of the oldest queued or sending outbox message in seconds (0 when none).");

    /// <summary>Reads the outbox gauges from the database before each scrape.</summary>
    public static WebApplication UsePushMetrics(this WebApplication app) => app.UpdateBeforeScrape("outbox gauges", async (services, cancellationToken) =>
    {
        var db = services.GetRequiredService<GatewayDbContext>();
        var counts = await db.Outbox.GroupBy(m => m.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        foreach (var status in new[] { MessageStatuses.Queued, MessageStatuses.Sending, MessageStatuses.Sent, MessageStatuses.Failed, MessageStatuses.Dead })
        {
            Depth.WithLabels(status).Set(counts.SingleOrDefault(c => c.Status == status)?.Count ?? 0);
        }

        var oldest = await db.Outbox
            .Where(m => m.Status == MessageStatuses.Queued || m.Status == MessageStatuses.Sending)
            .OrderBy(m => m.Id).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        OldestQueuedAge.Set(oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
    });
}
