using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmailWorker.Broker;
using EmailWorker.Contracts;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;
using EmailWorker.Messages;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>
/// Turns a dead letter and its edited <c>SendEmail</c> into the copy that replaces it: checked by the producers' own
/// <see cref="SendEmailValidator"/> and size limit, the same message id (so the delivered ledger still knows who has the
/// mail), the original's AMQP properties, headers and history, and the recipients still owed (<see cref="OwedRecipients"/>).
/// The edited body is written by the contract's serializer: fields the contract does not know are not kept.
/// </summary>
internal static class LetterEditor
{
    /// <summary>The letter's command when it can be edited: read whole and a <c>SendEmail</c>; null otherwise.</summary>
    public static SendEmail? CommandOf(DeadLetter letter) =>
        letter.LoadedContent.IsWholeBody ? ContentReader.Command(letter.LoadedContent.Body) : null;

    public static PreparedEdit Prepare(DeadLetter original, SendEmail originalCommand, SendEmail edited, SendEmailLimits limits, DateTimeOffset now)
    {
        var diff = SendEmailDiff.Between(originalCommand, edited);
        var problems = new List<string>();
        if (original.State != LetterState.Dead)
            problems.Add($"the letter is {original.State.ToString().ToLowerInvariant()}, not dead: only a dead letter can be edited");
        if (!string.Equals(edited.MessageId, originalCommand.MessageId, StringComparison.Ordinal))
            problems.Add("messageId cannot change: the delivered ledger knows who has the mail by it");
        if (diff.Count == 0)
            problems.Add("nothing was changed");
        problems.AddRange(SendEmailValidator.Validate(edited, limits, now).Select(e => e.ToString()));
        var body = JsonSerializer.SerializeToUtf8Bytes(edited, ContractsJsonContext.Default.SendEmail);
        if (body.Length > limits.MaxMessageBytes)
            problems.Add($"the edited message is {body.Length} bytes; at most {limits.MaxMessageBytes} are allowed");
        return new PreparedEdit(originalCommand, edited, diff, problems, problems.Count == 0 ? Copy(original, originalCommand, edited, body) : null);
    }

    private static IngestedLetter Copy(DeadLetter original, SendEmail originalCommand, SendEmail edited, byte[] body)
    {
        var content = original.LoadedContent;
        var headers = ContentReader.Headers(content);
        var owed = OwedRecipients.Of(originalCommand, HeaderCodec.ReadState(headers).Recipients, edited);
        if (owed is null)
            headers.Remove(HeaderNames.RemainingRecipients);
        else
            headers[HeaderNames.RemainingRecipients] = JsonSerializer.Serialize(owed.ToArray(), RoutingJsonContext.Default.StringArray);
        var failure = original.Failure;
        // The group row is the original's (it exists): the copy joins it under the same key.
        var group = Fingerprint.Of(failure.Class, failure.SmtpCode, failure.EnhancedCode, failure.Reason) with { Key = original.Group };
        return new IngestedLetter(LetterIdOf(original.LetterId, body), original.MessageId, failure,
            [.. owed ?? OwedRecipients.All(edited).Distinct(StringComparer.Ordinal)], group,
            new LetterContent(content.HistoryJson, HeaderJson.Write(headers, _ => true), body, content.Properties));
    }

    /// <summary>The copy's letter id: a hash of the original's id and the edited body, in the store's letter id format.</summary>
    private static string LetterIdOf(string originalLetterId, byte[] body)
    {
        var input = Encoding.UTF8.GetBytes($"edit\n{originalLetterId}\n").Concat(body).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(input).AsSpan(0, 16));
    }
}
