using EmailWorker.Contracts;

namespace EmailWorker.Publisher;

/// <summary>The command was refused before anything was sent; <see cref="Errors"/> says why, with stable codes.</summary>
public sealed class EmailValidationException(IReadOnlyList<ValidationError> errors)
    : Exception($"The email was not sent: {string.Join("; ", errors)}")
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;
}
