namespace EmailWorker.IntegrationTests;

/// <summary>Plain-JSON bodies as a non-.NET producer would write them (anonymous objects, camelCase names).</summary>
internal static class SampleMessages
{
    public static object Simple(string messageId, string to = "ann@example.org", string subject = "Hello") => new
    {
        messageId,
        to = new[] { new { address = to } },
        subject,
        text = $"Body of {messageId}",
    };

    public static object Full(int index) => new
    {
        messageId = $"order-{index}",
        from = new { address = "shop@example.com", name = "Shop" },
        to = new[] { new { address = $"ann{index}@example.org", name = "Ann" } },
        cc = new[] { new { address = "cc@example.org" } },
        bcc = new[] { new { address = "audit@example.net" } },
        replyTo = new[] { new { address = "support@example.com" } },
        subject = $"Your order {index}",
        text = $"Plain body {index}",
        html = $"<p>HTML body {index}</p>",
        headers = new Dictionary<string, string> { ["X-Campaign"] = "autumn" },
        attachments = new[] { new { fileName = "invoice.pdf", contentType = "application/pdf", contentBase64 = Convert.ToBase64String(InvoiceBytes(index)) } },
        tags = new Dictionary<string, string> { ["tenant"] = "acme" },
    };

    public static byte[] InvoiceBytes(int index) => System.Text.Encoding.ASCII.GetBytes($"%PDF-1.4 invoice {index}");
}
