using System.Globalization;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>The dashboard's charts on an inbox of its own, so the test decides every point they draw.</summary>
public class DashboardTests
{
    [Fact]
    public async Task Dashboard_ADayInOneMinute_DrawsThePercentilesAndCountsInWholeNumbers()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-charts");
        // Note: three callbacks in one minute, so one hour holds all the processing times and the busiest minute counts 3
        // (the axis used to read 0, 0.8, 1.7, 2.5, 3.3 and the p50/p95 lines were a lone, invisible "M").
        await inbox.Database.ExecuteAsync("""
            INSERT INTO inbox_items (kind, status, received_at, completed_at, correlation_id, attempts)
            SELECT 'message', 'done', minute + INTERVAL seq SECOND, minute + INTERVAL seq SECOND + INTERVAL (300 + seq * 100) * 1000 MICROSECOND, CONCAT('chart', seq), 1
            FROM seq_1_to_3, (SELECT CAST(DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 10 MINUTE, '%Y-%m-%d %H:%i:00') AS DATETIME(6)) AS minute) m
            """);
        using var admin = await inbox.SignedInAsync();

        var html = await admin.GetPageAsync("/admin");

        var perMinute = Svg(html, "每分钟回调数");
        var labels = SvgChartTests.YLabels(perMinute);
        Assert.Equal(5, labels.Count);
        Assert.All(labels, l => Assert.Matches("^[0-9]+$", l));
        Assert.InRange(int.Parse(labels[^1], CultureInfo.InvariantCulture), 3, 8);
        var percentiles = Svg(html, "每小时处理耗时 p50 / p95");
        Assert.Matches("<circle [^>]*fill=\"#00a23c\"", percentiles);
        Assert.Matches("<circle [^>]*fill=\"#ff7d00\"", percentiles);
        Assert.Contains("3 条已完成", html);
    }

    private static string Svg(string html, string label)
    {
        var match = Regex.Match(html, $"<svg [^>]*aria-label=\"{Regex.Escape(label)}\".*?</svg>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no chart '{label}' on the page");
        return match.Value;
    }
}
