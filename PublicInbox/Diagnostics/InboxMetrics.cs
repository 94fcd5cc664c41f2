using Microsoft.EntityFrameworkCore;
using Prometheus;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Diagnostics;

/// <summary>
/// The inbox's Prometheus metrics (served at <c>/metrics</c> with the HTTP request metrics of every service).
/// Counters and histograms are updated where things happen; the queue gauges are read from MySQL at each scrape,
/// so they are true across several inbox instances.
/// </summary>
public static class InboxMetrics
{
    private static readonly double[] LatencyBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];

    /// <summary>Callbacks stored, by kind (<c>oauth</c>, <c>message</c>, <c>event</c>).</summary>
    public static readonly Counter CallbacksReceived = Metrics.CreateCounter(
        "inbox_callbacks_received_total", "WeChat callbacks stored by the inbox, by kind.", "kind");

    /// <summary>
    /// OAuth callbacks refused at the door, by reason (<c>malformed</c>, <c>unknown_state</c>, <c>expired_state</c>,
    /// <c>used_state</c>; <c>rate_limited</c> counted in addition when the address was over its limit and got 429).
    /// </summary>
    public static readonly Counter OAuthCallbacksRefused = Metrics.CreateCounter(
        "inbox_oauth_callbacks_refused_total", "OAuth callbacks refused without storing, by reason.", "reason");

    /// <summary>Time from storing an item to its first claim by a poller.</summary>
    public static readonly Histogram ClaimLatency = Metrics.CreateHistogram(
        "inbox_claim_latency_seconds", "Time from storing an item to its first claim by a poller.",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = LatencyBuckets });

    /// <summary>Time from storing an item to its completion (the result is there).</summary>
    public static readonly Histogram ProcessingLatency = Metrics.CreateHistogram(
        "inbox_processing_seconds", "Time from storing an item to its completion by a poller.",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = LatencyBuckets });

    /// <summary>Message replies by how they reached the user: <c>passive</c> (answer to WeChat's waiting request)
    /// or <c>customer_service</c> (too late; the poller sends it through the customer-service API).</summary>
    public static readonly Counter Replies = Metrics.CreateCounter(
        "inbox_message_replies_total", "Completed message items by how the reply is delivered.", "delivery");

    /// <summary>Items by status, read from MySQL at scrape time.</summary>
    public static readonly Gauge QueueDepth = Metrics.CreateGauge(
        "inbox_queue_depth", "Items that are pending or leased (read from MySQL at scrape time).", "status");

    /// <summary>Age of the oldest pending item (0 when none).</summary>
    public static readonly Gauge OldestPendingAge = Metrics.CreateGauge(
        "inbox_oldest_pending_age_seconds", "Age of the oldest pending item in seconds (0 when none).");

    /// <summary>Seconds since any poller last claimed (-1 when none ever did).</summary>
    public static readonly Gauge PollerSilence = Metrics.CreateGauge(
        "inbox_poller_last_claim_age_seconds", "Seconds since a poller last asked for work (-1 when never).");

    /// <summary>Reads the queue gauges from the database before each scrape.</summary>
    public static WebApplication UseInboxMetrics(this WebApplication app) => app.UpdateBeforeScrape("queue gauges", async (services, cancellationToken) =>
    {
        var db = services.GetRequiredService<InboxDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var counts = await db.Items
            .Where(i => i.Status == InboxItemStatuses.Pending || i.Status == InboxItemStatuses.Leased)
            .GroupBy(i => i.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        foreach (var status in new[] { InboxItemStatuses.Pending, InboxItemStatuses.Leased })
        {
            QueueDepth.WithLabels(status).Set(counts.SingleOrDefault(c => c.Status == status)?.Count ?? 0);
        }

        var oldest = await db.Items.Where(i => i.Status == InboxItemStatuses.Pending)
            .OrderBy(i => i.Id).Select(i => (DateTime?)i.ReceivedAt).FirstOrDefaultAsync(cancellationToken);
        OldestPendingAge.Set(oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
        var lastClaim = await db.Database
            .SqlQuery<DateTime?>($"SELECT MAX(last_claim_at) AS Value FROM pollers")
            .SingleAsync(cancellationToken);
        PollerSilence.Set(lastClaim is { } l ? Math.Max(0, (now - l).TotalSeconds) : -1);
    });
}
