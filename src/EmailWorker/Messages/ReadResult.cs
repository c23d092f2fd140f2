using EmailWorker.Contracts;

namespace EmailWorker.Messages;

/// <summary>The command read from a delivery, or why it could not be.</summary>
internal sealed record ReadResult(SendEmail? Message, IReadOnlyList<ValidationError> Errors)
{
    public static ReadResult Invalid(string code, string field, string message) => new(null, [new ValidationError(code, field, message)]);
}
