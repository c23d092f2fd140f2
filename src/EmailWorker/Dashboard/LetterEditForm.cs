using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Edit;
using EmailWorker.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EmailWorker.Dashboard;

/// <summary>
/// The edit form of a letter: recipients as comma-separated addresses, the subject, the text and HTML bodies, and the custom
/// headers one <c>X-Name: value</c> a line. A posted field is a change only when it differs from what the form showed for
/// the original (textareas come back with CRLF line ends: compared and kept with LF), so an untouched field keeps the
/// original exactly, display names included.
/// </summary>
internal static class LetterEditForm
{
    private static readonly string[] Fields = ["to", "cc", "bcc", "subject", "text", "html", "headers"];

    public static Html Render(HttpContext http, string letterId, SendEmail original, IFormCollection? posted, bool canSend)
    {
        string Value(string field) => posted is not null ? Normalized(posted[field].ToString()) : Shown(original, field);
        return Html.Of($"""
            <form method="post" action="/letters/{letterId}/edit/preview" class="edit">{Page.Csrf(http)}
            <p><label>To <input type="text" name="to" value="{Value("to")}"></label></p>
            <p><label>Cc <input type="text" name="cc" value="{Value("cc")}"></label></p>
            <p><label>Bcc <input type="text" name="bcc" value="{Value("bcc")}"></label></p>
            <p><label>Subject <input type="text" name="subject" value="{Value("subject")}"></label></p>
            <p><label>Text body <textarea name="text" rows="10">{Value("text")}</textarea></label></p>
            <p><label>HTML body <textarea name="html" rows="10">{Value("html")}</textarea></label></p>
            <p><label>Custom headers (one <code>X-Name: value</code> a line) <textarea name="headers" rows="4">{Value("headers")}</textarea></label></p>
            <p><button type="submit" class="action">Preview the difference</button>
            {Html.When(canSend, Html.Of($"<button type=\"submit\" class=\"danger\" formaction=\"/letters/{letterId}/edit\">Send the edited message</button>"))}
            <a href="/letters/{letterId}">Cancel</a></p></form>
            """);
    }

    /// <summary>The changes the form holds, or the reasons it cannot be read.</summary>
    public static (LetterChanges Changes, IReadOnlyList<string> Problems) Read(IFormCollection form, SendEmail original)
    {
        var problems = new List<string>();
        string? Changed(string field) =>
            Normalized(form[field].ToString()) is var value && !string.Equals(value, Shown(original, field), StringComparison.Ordinal) ? value : null;
        var changes = new LetterChanges
        {
            To = Addresses(Changed("to")),
            Cc = Addresses(Changed("cc")),
            Bcc = Addresses(Changed("bcc")),
            Subject = Changed("subject"),
            Text = Changed("text"),
            Html = Changed("html"),
            Headers = Changed("headers") is { } headers ? Headers(headers, problems) : null,
        };
        return (changes, problems);
    }

    public static bool HasAllFields(IFormCollection form) => Fields.All(form.ContainsKey);

    private static string Shown(SendEmail original, string field) => field switch
    {
        "to" => string.Join(", ", original.To.Select(a => a.Address)),
        "cc" => string.Join(", ", original.Cc.Select(a => a.Address)),
        "bcc" => string.Join(", ", original.Bcc.Select(a => a.Address)),
        "subject" => original.Subject ?? "",
        "text" => Normalized(original.Text ?? ""),
        "html" => Normalized(original.Html ?? ""),
        _ => string.Join("\n", original.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {h.Value}")),
    };

    private static string Normalized(string text) => text.ReplaceLineEndings("\n");

    private static EmailAddress[]? Addresses(string? list) => list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(address => new EmailAddress { Address = address }).ToArray();

    private static Dictionary<string, string> Headers(string text, List<string> problems)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                problems.Add($"the header line '{SafeText.Bound(line, 200)}' is not X-Name: value");
            else
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return headers;
    }
}
