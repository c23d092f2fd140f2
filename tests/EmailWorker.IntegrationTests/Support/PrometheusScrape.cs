using System.Globalization;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>The samples of a Prometheus text exposition: name, labels, value (comments and timestamps left out).</summary>
public sealed class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private PrometheusScrape(List<(string, Dictionary<string, string>, double)> samples) => _samples = samples;

    public IReadOnlyList<(string Name, Dictionary<string, string> Labels, double Value)> Samples => _samples;

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include each of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            if (brace >= 0)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                    labels[pair.Key] = pair.Value;
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }
            var value = rest.Split(' ')[0];
            samples.Add((name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
        return new PrometheusScrape(samples);
    }

    private static IEnumerable<KeyValuePair<string, string>> SplitLabels(string labels)
    {
        var position = 0;
        while (position < labels.Length)
        {
            var equals = labels.IndexOf('=', position);
            var key = labels[position..equals].Trim().TrimStart(',').Trim();
            var start = equals + 2;
            var end = start;
            while (labels[end] != '"')
                end += labels[end] == '\\' ? 2 : 1;
            yield return new(key, labels[start..end]);
            position = end + 1;
        }
    }
}
