namespace EmailWorker.Contracts;

/// <summary>One reason a <see cref="SendEmail"/> is refused: a stable <see cref="Code"/>, the JSON path of the field, and a message.</summary>
public sealed record ValidationError(string Code, string Field, string Message)
{
    public override string ToString() => $"{Code} at {Field}: {Message}";
}
