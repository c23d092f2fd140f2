namespace EmailWorker.Contracts;

/// <summary>A file attached to the mail; its content travels base64-encoded.</summary>
public sealed record EmailAttachment
{
    public string FileName { get; init; } = "";

    public string ContentType { get; init; } = "application/octet-stream";

    public string ContentBase64 { get; init; } = "";
}
