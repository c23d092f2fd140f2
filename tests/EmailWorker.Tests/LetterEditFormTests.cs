using EmailWorker.Contracts;
using EmailWorker.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EmailWorker.Tests;

/// <summary>
/// The dashboard's edit form read back: a field left as the form showed it is no change (the original kept exactly, display
/// names and line ends included); headers come one <c>X-Name: value</c> a line.
/// </summary>
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class LetterEditFormTests
{
    private static readonly SendEmail Original = new()
    {
        MessageId = "m-1",
        To = [new EmailAddress { Address = "ann@example.org", Name = "Ann" }],
        Subject = "Your <b>order</b>",
        Text = "Hello\nAnn",
        Headers = new Dictionary<string, string> { ["X-Campaign"] = "autumn" },
    };

    private static FormCollection Form(string to = "ann@example.org", string text = "Hello\r\nAnn", string headers = "X-Campaign: autumn") => new(new Dictionary<string, StringValues>
    {
        ["to"] = to, ["cc"] = "", ["bcc"] = "", ["subject"] = "Your <b>order</b>", ["text"] = text, ["html"] = "", ["headers"] = headers,
    });

    [Test]
    public void Should_change_nothing_when_every_field_comes_back_as_shown()
    {
        var (changes, problems) = LetterEditForm.Read(Form(), Original);

        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty);
            Assert.That(changes.ApplyTo(Original).To, Is.EqualTo(Original.To), "Ann's display name kept");
            Assert.That(changes.ApplyTo(Original).Text, Is.EqualTo("Hello\nAnn"), "the browser's CRLF is not a change");
            Assert.That(LetterEditForm.HasAllFields(Form()), Is.True);
        });
    }

    [Test]
    public void Should_read_changed_recipients_and_headers()
    {
        var (changes, problems) = LetterEditForm.Read(Form(to: "ann@example.com, bob@example.org", headers: "X-Campaign: winter\r\nX-Ticket:42"), Original);

        var edited = changes.ApplyTo(Original);
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty);
            Assert.That(edited.To.Select(a => a.Address), Is.EqualTo(new[] { "ann@example.com", "bob@example.org" }));
            Assert.That(edited.Headers, Is.EquivalentTo(new Dictionary<string, string> { ["X-Campaign"] = "winter", ["X-Ticket"] = "42" }));
        });
    }

    [Test]
    public void Should_name_a_header_line_that_is_not_a_header() =>
        Assert.That(LetterEditForm.Read(Form(headers: "X-Campaign autumn"), Original).Problems,
            Is.EqualTo(new[] { "the header line 'X-Campaign autumn' is not X-Name: value" }));
}
