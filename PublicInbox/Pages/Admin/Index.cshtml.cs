using System.Globalization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin.Pages;

/// <summary>
/// <c>/admin</c>: counts by status, callbacks per minute and p50/p95 processing time per hour over the last 24 h,
/// the oldest pending item, each poller's last claim, the last retention run, a red line when the intranet is silent,
/// and a red line for each WeChat condition a poller reports (48001, 40164; <see cref="Items.PollerAlerts"/>).
/// </summary>
public sealed class IndexModel(InboxDbContext db, TimeProvider time, IOptions<InboxOptions> inbox, IOptions<AdminOptions> admin) : PageModel
{
    /// <summary>Most processing times read for the percentiles (the newest 24 h of a very busy inbox are sampled by this cap).</summary>
    public const int MaxSamples = 200_000;

    public DateTime Now { get; private set; }

    public TimeSpan SilenceThreshold { get; private set; }

    /// <summary>The newest claim of any poller; null when none ever claimed.</summary>
    public DateTime? LastContact { get; private set; }

    public IReadOnlyList<(string Status, int Count)> Counts { get; private set; } = [];

    public DateTime? OldestPending { get; private set; }

    public long CallbacksPerDay { get; private set; }

    public int Completed { get; private set; }

    public HtmlString PerMinuteChart { get; private set; } = HtmlString.Empty;

    public HtmlString ProcessingChart { get; private set; } = HtmlString.Empty;

    public IReadOnlyList<PollerSeen> Pollers { get; private set; } = [];

    public RetentionRun? LastRun { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Now = time.GetUtcNow().UtcDateTime;
        SilenceThreshold = admin.Value.PollerSilenceAlert ?? inbox.Value.PollerSilenceThreshold;
        // Note: the 24 h window starts on a whole minute so the buckets line up with the clock.
        var start = new DateTime(Now.Ticks - (Now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddHours(-24).AddMinutes(1);

        var byStatus = await db.Items.AsNoTracking().GroupBy(i => i.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        Counts = ItemFilter.Statuses.Select(s => (s, byStatus.FirstOrDefault(b => b.Status == s)?.Count ?? 0)).ToList();
        var perMinute = await db.Database.SqlQuery<Bucket>($"""
            SELECT TIMESTAMPDIFF(MINUTE, {start}, received_at) AS Slot, COUNT(*) AS Count
            FROM inbox_items WHERE received_at >= {start} GROUP BY Slot
            """).ToListAsync(ct);
        var processing = await db.Database.SqlQuery<Processing>($"""
            SELECT TIMESTAMPDIFF(HOUR, {start}, received_at) AS Slot, TIMESTAMPDIFF(MICROSECOND, received_at, completed_at) AS Micros
            FROM inbox_items WHERE received_at >= {start} AND status = 'done' AND completed_at IS NOT NULL
            LIMIT {MaxSamples}
            """).ToListAsync(ct);
        OldestPending = await db.Items.AsNoTracking().Where(i => i.Status == InboxItemStatuses.Pending).OrderBy(i => i.Id)
            .Select(i => (DateTime?)i.ReceivedAt).FirstOrDefaultAsync(ct);
        Pollers = await db.Pollers.AsNoTracking().OrderByDescending(p => p.LastClaimAt).Take(50).ToListAsync(ct);
        LastContact = Pollers.Count == 0 ? null : Pollers.Max(p => p.LastClaimAt);
        LastRun = await db.RetentionRuns.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);

        CallbacksPerDay = perMinute.Sum(b => b.Count);
        Completed = processing.Count;
        PerMinuteChart = PerMinute(start, perMinute);
        ProcessingChart = ProcessingTimes(start, processing);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static HtmlString PerMinute(DateTime start, IReadOnlyList<Bucket> perMinute)
    {
        var values = new double?[24 * 60];
        Array.Fill(values, 0);
        foreach (var b in perMinute.Where(b => b.Slot >= 0 && b.Slot < values.Length))
        {
            values[b.Slot] = b.Count;
        }

        return SvgChart.Render("每分钟回调数", [new ChartSeries("每分钟回调数", "#165dff", values)], i => HourLabel(start, i, 60),
            v => v.ToString("0", CultureInfo.InvariantCulture), wholeNumbers: true);
    }

    private static HtmlString ProcessingTimes(DateTime start, IReadOnlyList<Processing> processing)
    {
        var p50 = new double?[24];
        var p95 = new double?[24];
        foreach (var hour in processing.Where(x => x.Slot is >= 0 and < 24).GroupBy(x => x.Slot))
        {
            var sorted = hour.Select(x => x.Micros / 1000.0).Order().ToArray();
            p50[hour.Key] = Percentile(sorted, 0.50);
            p95[hour.Key] = Percentile(sorted, 0.95);
        }

        return SvgChart.Render("每小时处理耗时 p50 / p95", [new ChartSeries("p50", "#00a23c", p50), new ChartSeries("p95", "#ff7d00", p95)],
            i => HourLabel(start, i, 1), v => v >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000:0.#} s") : string.Create(CultureInfo.InvariantCulture, $"{v:0} ms"));
    }

    /// <summary>Every third hour, in China time.</summary>
    private static string? HourLabel(DateTime start, int slot, int perHour) =>
        slot % (perHour * 3) == 0 ? (start.AddMinutes(slot * 60.0 / perHour) + AdminFormat.ChinaOffset).ToString("HH:mm", CultureInfo.InvariantCulture) : null;

    private sealed record Bucket(long Slot, long Count);

    private sealed record Processing(long Slot, long Micros);
}
