using EmailWorker.Dashboard;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class LetterFormTests
{
    [TestCase("system")]
    [TestCase("poison")]
    [TestCase("unknown")]
    [TestCase("permanent")]
    public void Should_filter_by_every_class_a_letter_can_have(string letterClass)
    {
        var query = LetterForm.From(name => name == "class" ? letterClass : null);

        Assert.Multiple(() =>
        {
            Assert.That(query.Problems, Is.Empty);
            Assert.That(query.Selection.Class, Is.EqualTo(letterClass));
        });
    }

    [Test]
    public void Should_refuse_a_class_no_letter_has() =>
        Assert.That(LetterForm.From(name => name == "class" ? "delivered" : null).Problems,
            Has.One.Contains("class 'delivered' is none of").And.One.Contains("system"));
}
