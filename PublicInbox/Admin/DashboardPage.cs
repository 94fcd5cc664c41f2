using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using static Weixin.Inbox.PublicInbox.Admin.AdminHtml;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// <c>/admin</c>: counts by status, callbacks per minute and p50/p95 processing time per hour over the last 24 h,
/// the oldest pending item, each poller's last claim, the last retention run, and a red line when the intranet is silent.
/// </summary>
public static class DashboardPage
{
    private sealed record Bucket(long Slot, long Count);

    private sealed record Processing(long Slot, long Micros);

    /// <summary>Most processing times read for the percentiles (the newest 24 h of a very busy inbox are sampled by this cap).</summary>
    public const int MaxSamples = 200_000;

    public static async Task<IResult> RenderAsync(HttpContext http, InboxDbContext db, TimeProvider time, IOptions<InboxOptions> inbox, IOptions<AdminOptions> admin)
    {
        var ct = http.RequestAborted;
        var now = time.GetUtcNow().UtcDateTime;
        // Note: the 24 h window starts on a whole minute so the buckets line up with the clock.
        var start = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddHours(-24).AddMinutes(1);

        var byStatus = await db.Items.AsNoTracking().GroupBy(i => i.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        var perMinute = await db.Database.SqlQuery<Bucket>($"""
            SELECT TIMESTAMPDIFF(MINUTE, {start}, received_at) AS Slot, COUNT(*) AS Count
            FROM inbox_items WHERE received_at >= {start} GROUP BY Slot
            """).ToListAsync(ct);
        var processing = await db.Database.SqlQuery<Processing>($"""
            SELECT TIMESTAMPDIFF(HOUR, {start}, received_at) AS Slot, TIMESTAMPDIFF(MICROSECOND, received_at, completed_at) AS Micros
            FROM inbox_items WHERE received_at >= {start} AND status = 'done' AND completed_at IS NOT NULL
            LIMIT {MaxSamples}
            """).ToListAsync(ct);
        var oldestPending = await db.Items.AsNoTracking().Where(i => i.Status == InboxItemStatuses.Pending).OrderBy(i => i.Id)
            .Select(i => (DateTime?)i.ReceivedAt).FirstOrDefaultAsync(ct);
        var pollers = await db.Pollers.AsNoTracking().OrderByDescending(p => p.LastClaimAt).Take(50).ToListAsync(ct);
        var lastRun = await db.RetentionRuns.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);

        var body = new StringBuilder();
        var threshold = admin.Value.PollerSilenceAlert ?? inbox.Value.PollerSilenceThreshold;
        var lastContact = pollers.Count == 0 ? (DateTime?)null : pollers.Max(p => p.LastClaimAt);
        if (lastContact is null)
        {
            body.Append("""<p class="alert" role="alert">内网轮询器从未连接过这个收件箱：登录和消息都只会排队，不会被处理。</p>""");
        }
        else if (now - lastContact.Value > threshold)
        {
            body.Append(CultureInfo.InvariantCulture,
                $"""<p class="alert" role="alert">内网已 {Duration(now - lastContact.Value)} 没有来领取（阈值 {Duration(threshold)}）：最后一次是 {China(lastContact.Value)}（北京时间）。新的登录和消息会排队等待。</p>""");
        }

        body.Append("""<div class="stats">""");
        foreach (var status in ItemFilter.Statuses)
        {
            var count = byStatus.FirstOrDefault(s => s.Status == status)?.Count ?? 0;
            body.Append(CultureInfo.InvariantCulture, $"""<a class="stat" href="/admin/items?status={status}">{StatusName(status)}<b>{count:N0}</b></a>""");
        }

        body.Append(CultureInfo.InvariantCulture, $"""<div class="stat">最早排队的记录已等待<b>{(oldestPending is { } p ? Duration(now - p) : "—")}</b></div></div>""");

        var minuteValues = new double?[24 * 60];
        for (var i = 0; i < minuteValues.Length; i++)
        {
            minuteValues[i] = 0;
        }

        foreach (var b in perMinute.Where(b => b.Slot >= 0 && b.Slot < minuteValues.Length))
        {
            minuteValues[b.Slot] = b.Count;
        }

        string? HourLabel(int slot, int perHour) => slot % (perHour * 3) == 0 ? (start.AddMinutes(slot * 60.0 / perHour) + ChinaOffset).ToString("HH:mm", CultureInfo.InvariantCulture) : null;
        body.Append(CultureInfo.InvariantCulture, $"""<h2>最近 24 小时每分钟收到的回调（共 {perMinute.Sum(b => b.Count):N0} 条，北京时间）</h2><div class="card">""");
        body.Append(SvgChart.Render("每分钟回调数", [new ChartSeries("每分钟回调数", "#165dff", minuteValues)], i => HourLabel(i, 60), v => v.ToString("0.#", CultureInfo.InvariantCulture)));
        body.Append("</div>");

        var p50 = new double?[24];
        var p95 = new double?[24];
        foreach (var hour in processing.Where(x => x.Slot is >= 0 and < 24).GroupBy(x => x.Slot))
        {
            var sorted = hour.Select(x => x.Micros / 1000.0).Order().ToArray();
            p50[hour.Key] = Percentile(sorted, 0.50);
            p95[hour.Key] = Percentile(sorted, 0.95);
        }

        body.Append(CultureInfo.InvariantCulture, $"""<h2>最近 24 小时每小时的处理耗时（接收 → 完成，{processing.Count:N0} 条已完成）</h2><div class="card">""");
        body.Append(SvgChart.Render("每小时处理耗时 p50 / p95", [new ChartSeries("p50", "#00a23c", p50), new ChartSeries("p95", "#ff7d00", p95)],
            i => HourLabel(i, 1), v => v >= 1000 ? $"{v / 1000:0.#} s" : $"{v:0} ms"));
        body.Append("</div>");

        body.Append("""<h2>内网轮询器</h2><div class="card"><table><thead><tr><th>轮询器</th><th>最后领取（北京时间）</th><th>距今</th><th>那次领取条数</th><th>首次出现</th></tr></thead><tbody>""");
        foreach (var poller in pollers)
        {
            var silent = now - poller.LastClaimAt > threshold;
            body.Append(CultureInfo.InvariantCulture,
                $"""<tr><td class="mono">{H(poller.PollerId)}</td><td>{China(poller.LastClaimAt)}</td><td{(silent ? " class=\"error\"" : "")}>{Duration(now - poller.LastClaimAt)}</td><td>{poller.LastClaimCount}</td><td>{China(poller.FirstSeenAt)}</td></tr>""");
        }

        if (pollers.Count == 0)
        {
            body.Append("""<tr><td colspan="5" class="muted">还没有轮询器连接过。</td></tr>""");
        }

        body.Append("</tbody></table></div><h2>保留期清理</h2><div class=\"card\">");
        body.Append(lastRun is null
            ? "<p class=\"muted\">清理任务还没有运行过。</p>"
            : $"""<p>最近一次：{China(lastRun.FinishedAt)}（北京时间），清除内容 {lastRun.PayloadsPurged:N0} 条（{China(lastRun.PayloadCutoff)} 之前接收的），删除记录 {lastRun.ItemsDeleted:N0} 条及其事件 {lastRun.EventsDeleted:N0} 条（{China(lastRun.MetadataCutoff)} 之前接收的）。</p>""");
        body.Append("</div>");
        return Page(http, "概览", "dashboard", body.ToString());
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
