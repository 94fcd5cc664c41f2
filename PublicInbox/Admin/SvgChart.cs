using System.Globalization;
using System.Text;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>One line of a chart; null values leave a gap.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<double?> Values);

/// <summary>Line charts as inline SVG, drawn on the server (no script, no library; presentation attributes only, so the CSP holds).</summary>
public static class SvgChart
{
    private const double Width = 960, Height = 200, Left = 56, Right = 12, Top = 12, Bottom = 28;

    /// <param name="title">Accessible title.</param>
    /// <param name="series">Lines, all with the same number of points.</param>
    /// <param name="xLabel">Label under point i, or null.</param>
    /// <param name="format">Formats a y value for the axis.</param>
    public static string Render(string title, IReadOnlyList<ChartSeries> series, Func<int, string?> xLabel, Func<double, string> format)
    {
        var points = series.Max(s => s.Values.Count);
        var max = series.SelectMany(s => s.Values).Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(0).Max();
        max = max <= 0 ? 1 : max * 1.1;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(int i) => Left + (points <= 1 ? 0 : i * plotWidth / (points - 1));
        double Y(double v) => Top + plotHeight - (v / max * plotHeight);
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {N(Width)} {N(Height + 18)}" role="img" aria-label="{AdminHtml.H(title)}"><title>{AdminHtml.H(title)}</title>""");
        for (var g = 0; g <= 4; g++)
        {
            var value = max * g / 4;
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{N(Left)}" y1="{N(y)}" x2="{N(Width - Right)}" y2="{N(y)}" stroke="#e5e6eb" stroke-width="1"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{N(Left - 6)}" y="{N(y + 4)}" font-size="11" text-anchor="end" fill="#86909c">{AdminHtml.H(format(value))}</text>""");
        }

        for (var i = 0; i < points; i++)
        {
            if (xLabel(i) is { } label)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{N(X(i))}" y="{N(Height - 8)}" font-size="11" text-anchor="middle" fill="#86909c">{AdminHtml.H(label)}</text>""");
            }
        }

        foreach (var s in series)
        {
            // Note: one path per run of values; a gap (null) ends the run instead of drawing a misleading zero.
            var path = new StringBuilder();
            var open = false;
            for (var i = 0; i < s.Values.Count; i++)
            {
                if (s.Values[i] is not { } v)
                {
                    open = false;
                    continue;
                }

                path.Append(CultureInfo.InvariantCulture, $"{(open ? "L" : "M")}{N(X(i))} {N(Y(v))} ");
                open = true;
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<path d="{path.ToString().TrimEnd()}" fill="none" stroke="{s.Color}" stroke-width="1.5" stroke-linejoin="round"/>""");
        }

        var legendX = Left;
        foreach (var s in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{N(legendX)}" y="{N(Height + 6)}" width="10" height="10" fill="{s.Color}"/><text x="{N(legendX + 14)}" y="{N(Height + 15)}" font-size="11" fill="#4e5969">{AdminHtml.H(s.Name)}</text>""");
            legendX += 30 + (s.Name.Length * 12);
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}
