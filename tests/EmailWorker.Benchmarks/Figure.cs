using System.Globalization;

namespace EmailWorker.Benchmarks;

/// <summary>One measured quantity over several runs: median with min–max.</summary>
internal sealed record Figure(string Name, string Unit, IReadOnlyList<double> Runs)
{
    public double Median
    {
        get
        {
            var sorted = Runs.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name,-58} {Median,10:0.00} {Unit,-9} ({Runs.Min():0.00}–{Runs.Max():0.00})");

    public static double Percentile(IReadOnlyList<double> sorted, double percentile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
