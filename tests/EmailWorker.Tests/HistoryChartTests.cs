using System.Text.RegularExpressions;
using System.Xml.Linq;
using EmailWorker.Dashboard;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Tests;

/// <summary>The overview's SVG charts: empty history, one scale per strip, escaped relay names, well-formed markup.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed partial class HistoryChartTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static OutcomeTotals Totals(int second, double delivered, double throttled) => new(Start.AddSeconds(second), delivered, 0, 0, 0, 0, 0, null, throttled);

    [Test]
    public void Should_say_that_there_is_no_sample_yet_and_draw_nothing()
    {
        var html = HistoryChart.Render(new WorkerHistory(), Start).Text;

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("No samples yet"));
            Assert.That(html, Does.Not.Contain("<svg"));
        });
    }

    [Test]
    public void Should_scale_each_strip_to_its_own_maximum()
    {
        var history = new WorkerHistory();
        history.Add(Totals(0, 0, 0), [("default", new RelayLimitsSample(4, null))], Start);
        history.Add(Totals(10, 1800, 3), [("default", new RelayLimitsSample(3, 8.5))], Start);
        history.Add(Totals(70, 2700, 3), [("default", new RelayLimitsSample(4, 9.5))], Start);

        var svg = Svg(HistoryChart.Render(history, Start.AddSeconds(70)).Text);
        var bars = svg.Descendants("rect").Where(r => ((string?)r.Attribute("class"))?.StartsWith("bar ", StringComparison.Ordinal) == true).ToList();
        double Height(string series, int index) => (double)bars.Where(b => b.Attribute("class")!.Value == $"bar {series}").ElementAt(index).Attribute("height")!;
        Assert.Multiple(() =>
        {
            Assert.That(Height("delivered", 0), Is.EqualTo(44 * 1800 / 2000.0).Within(0.01), "1800 of a 2000 scale");
            Assert.That(Height("delivered", 1), Is.EqualTo(44 * 900 / 2000.0).Within(0.01));
            Assert.That(Height("throttled", 0), Is.EqualTo(44 * 3 / 5.0).Within(0.01), "3 throttled replies on a scale of their own (5), not invisible under 1800");
            Assert.That(bars.Count(b => b.Attribute("class")!.Value == "bar throttled"), Is.EqualTo(1), "no bar for a minute without throttling");
            Assert.That(svg.Descendants("text").Select(t => t.Value), Has.Member("max 2000/min").And.Member("max 5/min").And.Member("default: connections"));
            Assert.That(svg.Descendants("title").Select(t => t.Value), Has.Member("03:00 throttled (relay replies): 3/min").And.Member("03:01 default: transactions/s: 9.5"));
        });
    }

    [TestCase(0, 1)]
    [TestCase(0.4, 1)]
    [TestCase(3, 5)]
    [TestCase(10, 10)]
    [TestCase(11, 20)]
    [TestCase(1800, 2000)]
    [TestCase(2001, 5000)]
    public void Should_round_a_scale_up_to_one_two_or_five_times_a_power_of_ten(double max, double scale) =>
        Assert.That(HistoryChart.NiceCeiling(max), Is.EqualTo(scale));

    [Test]
    public void Should_escape_a_relay_name_in_labels_and_titles()
    {
        var history = new WorkerHistory();
        const string hostile = "</text><script>alert(1)</script><text x=\"0\">&";
        history.Add(Totals(0, 0, 0), [(hostile, new RelayLimitsSample(2, 5))], Start);

        var html = HistoryChart.Render(history, Start).Text;
        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Not.Contain("<script"));
            Assert.That(Svg(html).Descendants("text").Select(t => t.Value), Has.Member($"{hostile}: connections"), "shown as text, markup and all");
        });
    }

    [Test]
    public void Should_mark_minutes_without_a_sample_after_the_history_began()
    {
        var history = new WorkerHistory();
        history.Add(Totals(0, 0, 0), [], Start);
        history.Add(Totals(180, 10, 0), [], Start);

        var gaps = Svg(HistoryChart.Render(history, Start.AddMinutes(3)).Text).Descendants("rect")
            .Where(r => (string?)r.Attribute("class") == "gap").Select(r => r.Element("title")!.Value).Distinct().ToList();
        Assert.That(gaps, Is.EqualTo(new[] { "03:01 no sample", "03:02 no sample" }), "before 03:00 the dashboard was not watching: no mark");
    }

    /// <summary>The chart's SVG element as XML (it must be well-formed), without its namespace.</summary>
    private static XElement Svg(string html)
    {
        var svg = XElement.Parse(SvgElement().Match(html).Value.Replace(" xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal));
        return svg;
    }

    [GeneratedRegex("<svg.*</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();
}
