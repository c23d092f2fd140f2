using EmailWorker.Configuration;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class DurationTests
{
    [TestCase("500ms", 500)]
    [TestCase("30s", 30_000)]
    [TestCase("2m", 120_000)]
    [TestCase("1h", 3_600_000)]
    [TestCase("1d", 86_400_000)]
    [TestCase(" 10s ", 10_000)]
    public void Should_parse_a_number_with_a_unit(string text, long milliseconds)
    {
        Assert.That(Duration.TryParse(text, out var value), Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("")]
    [TestCase("30")]
    [TestCase("s")]
    [TestCase("0s")]
    [TestCase("-5s")]
    [TestCase("1.5m")]
    [TestCase("5 minutes")]
    [TestCase(null)]
    public void Should_refuse_what_is_not_a_positive_whole_duration(string? text) =>
        Assert.That(Duration.TryParse(text, out _), Is.False);

    [TestCase(30_000, "30s")]
    [TestCase(120_000, "2m")]
    [TestCase(90_000, "90s")]
    [TestCase(7_200_000, "2h")]
    [TestCase(1_500, "1500ms")]
    public void Should_format_in_the_largest_exact_unit(long milliseconds, string expected) =>
        Assert.That(Duration.Format(TimeSpan.FromMilliseconds(milliseconds)), Is.EqualTo(expected));
}
