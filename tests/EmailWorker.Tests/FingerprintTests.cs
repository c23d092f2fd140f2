using EmailWorker.DeadLetters.Store;

namespace EmailWorker.Tests;

[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class FingerprintTests
{
    [Test]
    public void Should_put_replies_that_differ_only_in_addresses_ids_and_numbers_in_one_group()
    {
        var first = Fingerprint.Of("permanent", 550, "5.1.1", "550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown (id 4F2A9C1B77, queue 12)");
        var second = Fingerprint.Of("permanent", 550, "5.1.1", "550 5.1.1 <Bob.Smith@mail.example.net>: Recipient address rejected: User unknown (id 0a1b2c3d4e5f, queue 7)");

        Assert.Multiple(() =>
        {
            Assert.That(second.Key, Is.EqualTo(first.Key));
            Assert.That(first.Label, Is.EqualTo("550 5.1.1 <{address}>: Recipient address rejected: User unknown (id {id}, queue #)"));
        });
    }

    [Test]
    public void Should_mask_uuids_and_long_digit_runs_as_ids() =>
        Assert.That(Fingerprint.Mask("ref 3f2504e0-4f89-11d3-9a0c-0305e82c3301 ticket 123456789 after 30 s"),
            Is.EqualTo("ref {id} ticket {id} after # s"));

    [Test]
    public void Should_keep_words_without_digits() =>
        Assert.That(Fingerprint.Mask("Relay access denied by smtp-relay.example.com"), Is.EqualTo("Relay access denied by smtp-relay.example.com"));

    [TestCase("transient", 550, "5.1.1", "User unknown")]
    [TestCase("permanent", 551, "5.1.1", "User unknown")]
    [TestCase("permanent", 550, "5.1.2", "User unknown")]
    [TestCase("permanent", 550, "5.1.1", "Mailbox disabled")]
    public void Should_tell_apart_class_code_enhanced_code_and_text(string letterClass, int code, string enhanced, string reply) =>
        Assert.That(Fingerprint.Of(letterClass, code, enhanced, reply).Key, Is.Not.EqualTo(Fingerprint.Of("permanent", 550, "5.1.1", "User unknown").Key));

    [Test]
    public void Should_be_stable_short_and_blind_to_case_and_spacing()
    {
        var key = Fingerprint.Of("permanent", 550, "5.1.1", "User   unknown").Key;

        Assert.Multiple(() =>
        {
            Assert.That(key, Has.Length.EqualTo(12).And.Match("^[0-9a-f]+$"));
            Assert.That(Fingerprint.Of("permanent", 550, "5.1.1", "user unknown").Key, Is.EqualTo(key));
            Assert.That(Fingerprint.Of("permanent", 550, "5.1.1", "550 5.1.1 User unknown").Key, Is.EqualTo(key), "codes repeated in the reply");
        });
    }

    [Test]
    public void Should_label_a_letter_without_reply_by_its_class_and_bound_long_labels()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Fingerprint.Of("unknown", null, null, "").Label, Is.EqualTo("unknown"));
            Assert.That(Fingerprint.Of("permanent", 550, null, new string('x', 1000)).Label, Has.Length.EqualTo(Fingerprint.MaxLabelLength));
        });
    }
}
