using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>One line of a chart; null values leave a gap.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<double?> Values);

/// <summary>
/// Line charts as inline SVG, drawn on the server (no script, no library; presentation attributes only, so the CSP
/// holds). Every text that goes in is encoded here, so the result is safe to emit as it is.
/// </summary>
public static class SvgChart
{
    private const double Width = 960, Height = 200, Left = 56, Right = 12, Top = 12, Bottom = 28;

    /// <summary>Horizontal grid lines above the zero line.</summary>
    public const int GridLines = 4;

    /// <param name="title">Accessible title.</param>
    /// <param name="series">Lines, all with the same number of points.</param>
    /// <param name="xLabel">Label under point i, or null.</param>
    /// <param name="format">Formats a y value for the axis.</param>
    /// <param name="wholeNumbers">The values are counts: the axis steps by whole numbers only.</param>
    public static HtmlString Render(string title, IReadOnlyList<ChartSeries> series, Func<int, string?> xLabel, Func<double, string> format, bool wholeNumbers = false)
    {
        var points = series.Max(s => s.Values.Count);
        var step = Step(series.SelectMany(s => s.Values).Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(0).Max(), wholeNumbers);
        var max = step * GridLines;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(int i) => Left + (points <= 1 ? 0 : i * plotWidth / (points - 1));
        double Y(double v) => Top + plotHeight - (v / max * plotHeight);
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        static string H(string value) => WebUtility.HtmlEncode(value);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {N(Width)} {N(Height + 18)}" role="img" aria-label="{H(title)}"><title>{H(title)}</title>""");
        for (var g = 0; g <= GridLines; g++)
        {
            var value = step * g;
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{N(Left)}" y1="{N(y)}" x2="{N(Width - Right)}" y2="{N(y)}" stroke="#e5e6eb" stroke-width="1"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{N(Left - 6)}" y="{N(y + 4)}" font-size="11" text-anchor="end" fill="#86909c">{H(format(value))}</text>""");
        }

        for (var i = 0; i < points; i++)
        {
            if (xLabel(i) is { } label)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{N(X(i))}" y="{N(Height - 8)}" font-size="11" text-anchor="middle" fill="#86909c">{H(label)}</text>""");
            }
        }

        foreach (var s in series)
        {
            // Note: one path per run of values; a gap (null) ends the run instead of drawing a misleading zero.
            var path = new StringBuilder();
            for (var i = 0; i < s.Values.Count; i++)
            {
                if (s.Values[i] is not { } v)
                {
                    continue;
                }

                var open = i > 0 && s.Values[i - 1] is not null;
                path.Append(CultureInfo.InvariantCulture, $"{(open ? "L" : "M")}{N(X(i))} {N(Y(v))} ");
                // Note: a run of one value is a lone "M" that draws nothing (all of a day's data in one hour, a single busy
                // minute): it gets a dot.
                if (!open && (i + 1 >= s.Values.Count || s.Values[i + 1] is null))
                {
                    svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{N(X(i))}" cy="{N(Y(v))}" r="3" fill="{H(s.Color)}"/>""");
                }
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<path d="{path.ToString().TrimEnd()}" fill="none" stroke="{H(s.Color)}" stroke-width="1.5" stroke-linejoin="round"/>""");
        }

        var legendX = Left;
        foreach (var s in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{N(legendX)}" y="{N(Height + 6)}" width="10" height="10" fill="{H(s.Color)}"/><text x="{N(legendX + 14)}" y="{N(Height + 15)}" font-size="11" fill="#4e5969">{H(s.Name)}</text>""");
            legendX += 30 + (s.Name.Length * 12);
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static readonly int[] NiceSteps = [1, 2, 5, 10];

    /// <summary>
    /// The grid step: 1, 2 or 5 times a power of ten, so that <see cref="GridLines"/> steps reach <paramref name="max"/>.
    /// Note: a count axis never steps by less than 1, else a quiet day labels its lines 0.8, 1.7, 2.5.
    /// </summary>
    public static double Step(double max, bool wholeNumbers)
    {
        var raw = max <= 0 ? 0.25 : max / GridLines;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = NiceSteps.Select(m => m * magnitude).First(s => s >= raw * 0.999999);
        return wholeNumbers ? Math.Max(1, Math.Round(step)) : step;
    }
}
