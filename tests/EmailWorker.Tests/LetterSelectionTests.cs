using EmailWorker.DeadLetters.Store;

namespace EmailWorker.Tests;

/// <summary>The one selection's rules, worded for the command line (<c>--</c>) and for the dashboard's fields alike.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class LetterSelectionTests
{
    private static (LetterSelection Selection, IReadOnlyList<string> Problems) Bind(string prefix, params (string Name, string Value)[] values) =>
        LetterSelection.Bind(name => values.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault(), prefix);

    [Test]
    public void Should_bind_every_condition_by_its_name()
    {
        var (selection, problems) = Bind("--", ("class", "Transient"), ("reason", "greylisted"), ("to-domain", "@Example.org"), ("tag", "tenant=a=b"),
            ("group", "g1"), ("code", "5.1.1"), ("since", "2026-11-27T10:00:00Z"), ("until", "2026-11-27T11:00:00Z"), ("state", "purged"));

        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty);
            Assert.That(selection.Class, Is.EqualTo("transient"));
            Assert.That(selection.ReasonContains, Is.EqualTo("greylisted"));
            Assert.That(selection.RecipientDomain, Is.EqualTo("Example.org"));
            Assert.That(selection.Tag, Is.EqualTo(("tenant", "a=b")));
            Assert.That(selection.Group, Is.EqualTo("g1"));
            Assert.That(selection.EnhancedCode, Is.EqualTo("5.1.1"));
            Assert.That(selection.SmtpCode, Is.Null);
            Assert.That(selection.Since, Is.EqualTo(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero)));
            Assert.That(selection.Until, Is.EqualTo(new DateTimeOffset(2026, 11, 27, 11, 0, 0, 1, TimeSpan.Zero)), "the store's bound is exclusive");
            Assert.That(selection.State, Is.EqualTo(LetterState.Purged));
            Assert.That(selection.InStore, Is.False, "a tag is matched while streaming");
        });
    }

    [TestCase("--", "--to-domain 'a b' is not a domain name, e.g. --to-domain example.org")]
    [TestCase("", "to-domain 'a b' is not a domain name, e.g. example.org")]
    public void Should_word_a_problem_for_the_front_end(string prefix, string problem) =>
        Assert.That(Bind(prefix, ("to-domain", "a b")).Problems, Is.EqualTo(new[] { problem }));

    [Test]
    public void Should_refuse_every_malformed_condition()
    {
        var (_, problems) = Bind("--", ("class", "delivered"), ("tag", "=x"), ("code", "600"), ("since", "yesterday"), ("state", "gone"));

        Assert.That(problems, Has.Count.EqualTo(5));
        Assert.Multiple(() =>
        {
            Assert.That(problems, Has.One.StartsWith("--class 'delivered' is none of"));
            Assert.That(problems, Has.One.StartsWith("--tag '=x' is not key=value"));
            Assert.That(problems, Has.One.StartsWith("--code '600' is neither"));
            Assert.That(problems, Has.One.StartsWith("--since 'yesterday' is not a time"));
            Assert.That(problems, Has.One.StartsWith("--state 'gone' is none of"));
        });
    }

    [Test]
    public void Should_refuse_a_time_range_that_ends_before_it_starts() =>
        Assert.That(Bind("", ("since", "2026-11-27T11:00:00Z"), ("until", "2026-11-27T10:00:00Z")).Problems,
            Is.EqualTo(new[] { "until is before since: no letter can match" }));

    [Test]
    public void Should_be_empty_with_only_a_state_or_a_bound()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new LetterSelection { State = null, UpTo = 7 }.IsEmpty, Is.True);
            Assert.That(new LetterSelection { Ids = ["m-1"] }.IsEmpty, Is.False);
            Assert.That(new LetterSelection { Group = "g" }.IsEmpty, Is.False);
        });
    }

    [Test]
    public void Should_take_letter_ids_only_and_a_page_of_them_from_a_form()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LetterSelection.FormIdsProblem([new string('a', 32)]), Is.Null);
            Assert.That(LetterSelection.FormIdsProblem(["m-1"]), Is.EqualTo("'m-1' is not a letter id"));
            Assert.That(LetterSelection.FormIdsProblem([.. Enumerable.Repeat(new string('a', 32), LetterSelection.MaxFormIds + 1)]), Does.StartWith("501 letters ticked"));
            Assert.That(LetterSelection.LimitProblem(0, "--limit"), Is.EqualTo("--limit must be 1 or more"));
            Assert.That(LetterSelection.LimitProblem(null, "--limit"), Is.Null);
        });
    }

    [Test]
    public void Should_fix_the_selection_to_the_letters_stored_at_a_dry_run()
    {
        var fixedNow = new LetterSelection { Class = "transient" }.AsOf(42);

        Assert.Multiple(() =>
        {
            Assert.That(fixedNow.UpTo, Is.EqualTo(42));
            Assert.That(fixedNow.Class, Is.EqualTo("transient"));
        });
    }
}
