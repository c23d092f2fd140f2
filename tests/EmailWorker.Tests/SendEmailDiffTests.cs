using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;

namespace EmailWorker.Tests;

/// <summary>What an edit's difference shows: the changed fields only, a body's changed run of lines, bounded.</summary>
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class SendEmailDiffTests
{
    private static readonly SendEmail Original = new()
    {
        MessageId = "m-1",
        To = [new EmailAddress { Address = "ann@exmaple.org" }],
        Subject = "Your order",
        Text = "Hello Ann,\nyour order 7 shipped.\nRegards",
        Headers = new Dictionary<string, string> { ["X-Campaign"] = "autumn" },
    };

    [Test]
    public void Should_show_nothing_when_nothing_changed() =>
        Assert.That(SendEmailDiff.Between(Original, Original with { }), Is.Empty);

    [Test]
    public void Should_show_a_changed_recipient_and_subject_as_removed_and_added_lines()
    {
        var edited = Original with { To = [new EmailAddress { Address = "ann@example.org" }], Subject = "Your order 7" };

        Assert.That(SendEmailDiff.Between(Original, edited), Is.EqualTo(new[]
        {
            new DiffLine("to", '-', "ann@exmaple.org"),
            new DiffLine("to", '+', "ann@example.org"),
            new DiffLine("subject", '-', "Your order"),
            new DiffLine("subject", '+', "Your order 7"),
        }));
    }

    [Test]
    public void Should_show_only_the_changed_lines_of_a_body_and_count_the_rest()
    {
        var edited = Original with { Text = "Hello Ann,\nyour order 7 shipped today.\nRegards" };

        Assert.That(SendEmailDiff.Between(Original, edited), Is.EqualTo(new[]
        {
            new DiffLine("text", '~', "1 line(s) unchanged before"),
            new DiffLine("text", '-', "your order 7 shipped."),
            new DiffLine("text", '+', "your order 7 shipped today."),
            new DiffLine("text", '~', "1 line(s) unchanged after"),
        }));
    }

    [Test]
    public void Should_show_headers_added_removed_and_changed()
    {
        var edited = Original with { Headers = new Dictionary<string, string> { ["X-Ticket"] = "42" } };

        Assert.That(SendEmailDiff.Between(Original, edited), Is.EqualTo(new[]
        {
            new DiffLine("headers.X-Campaign", '-', "autumn"),
            new DiffLine("headers.X-Ticket", '+', "42"),
        }));
    }

    [Test]
    public void Should_bound_a_long_difference()
    {
        var edited = Original with { Text = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"line {i}")) };

        var diff = SendEmailDiff.Between(Original, edited);

        Assert.Multiple(() =>
        {
            Assert.That(diff.Count(l => l.Kind == DiffLine.Added), Is.EqualTo(SendEmailDiff.MaxLinesPerSide));
            Assert.That(diff[^1], Is.EqualTo(new DiffLine("text", '~', $"{1000 - SendEmailDiff.MaxLinesPerSide} more line(s) added")));
        });
    }
}
