using System.Globalization;

namespace Weixin.Inbox.Bench;

/// <summary>Prints one line of latency figures: count, median, p95, min, max (nearest-rank percentiles).</summary>
public static class Latency
{
    public static void Report(string title, IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            Console.WriteLine($"{title}: no samples");
            return;
        }

        var sorted = samples.Order().ToArray();
        double Percentile(double p) => sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{title}: n={sorted.Length} median={Percentile(0.5):F0} ms p95={Percentile(0.95):F0} ms min={sorted[0]:F0} ms max={sorted[^1]:F0} ms"));
    }
}
