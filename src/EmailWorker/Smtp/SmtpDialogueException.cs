namespace EmailWorker.Smtp;

/// <summary>
/// The relay's bytes are not a well-formed SMTP reply or break our bounds (a line over
/// <see cref="SmtpReplyReader.MaxLineBytes"/>, more than <see cref="SmtpReplyReader.MaxLines"/> lines, mismatched codes):
/// the dialogue is out of step, and the connection is not used again.
/// </summary>
internal sealed class SmtpDialogueException(string message) : Exception(message);
