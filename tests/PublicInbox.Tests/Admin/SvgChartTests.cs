using System.Globalization;
using System.Text.RegularExpressions;
using Weixin.Inbox.PublicInbox.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>The dashboard's hand-written SVG: what it draws and what it lets through.</summary>
public partial class SvgChartTests
{
    [Fact]
    public void Render_ALoneValueBetweenGaps_DrawsADot()
    {
        double?[] values = [null, null, 420, null, null];

        var svg = SvgChart.Render("p50", [new ChartSeries("p50", "#00a23c", values)], _ => null, v => v.ToString(CultureInfo.InvariantCulture)).Value!;

        Assert.Matches("<circle [^>]*fill=\"#00a23c\"", svg);
    }

    [Fact]
    public void Render_ARunOfValues_DrawsALineWithoutDots()
    {
        double?[] values = [null, 1, 2, 3, null];

        var svg = SvgChart.Render("p50", [new ChartSeries("p50", "#00a23c", values)], _ => null, v => v.ToString(CultureInfo.InvariantCulture)).Value!;

        Assert.Matches("<path d=\"M[^\"]+L[^\"]+L[^\"]+\"", svg);
        Assert.DoesNotContain("<circle", svg);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1234)]
    public void Render_Counts_LabelTheAxisInWholeNumbersUpToTheTop(double top)
    {
        double?[] values = [0, top / 2, top, 0];

        var labels = YLabels(SvgChart.Render("每分钟回调数", [new ChartSeries("n", "#165dff", values)], _ => null,
            v => v.ToString("0.###", CultureInfo.InvariantCulture), wholeNumbers: true).Value!);

        Assert.Equal(SvgChart.GridLines + 1, labels.Count);
        Assert.All(labels, l => Assert.Matches("^[0-9]+$", l));
        Assert.Equal(labels.Count, labels.Distinct().Count());
        Assert.True(double.Parse(labels[^1], CultureInfo.InvariantCulture) >= top);
    }

    [Fact]
    public void Render_Texts_AreEncoded()
    {
        var svg = SvgChart.Render("<script>x</script>", [new ChartSeries("\"><b>", "#165dff", [1.0])], _ => "<i>", _ => "<u>").Value!;

        Assert.DoesNotContain("<script>", svg);
        Assert.DoesNotContain("<b>", svg);
        Assert.DoesNotContain("<i>", svg);
        Assert.DoesNotContain("<u>", svg);
        Assert.Contains("&lt;script&gt;", svg);
    }

    /// <summary>The y axis' labels, bottom to top.</summary>
    internal static List<string> YLabels(string svg) =>
        AxisLabel().Matches(svg).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    [GeneratedRegex("<text [^>]*text-anchor=\"end\"[^>]*>([^<]*)</text>")]
    private static partial Regex AxisLabel();
}
