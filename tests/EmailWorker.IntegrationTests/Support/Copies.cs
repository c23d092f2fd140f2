namespace EmailWorker.IntegrationTests.Support;

/// <summary>What the SMTP server received, counted per (messageId, recipient): the set and exact counts a test compares.</summary>
public static class Copies
{
    public static Dictionary<(string MessageId, string Recipient), int> PerRecipient(WorkerTestContext context) =>
        context.Smtp.Messages
            .SelectMany(m => m.Recipients.Select(r => (WorkerTestContext.MessageIdOf(m.Data), r)))
            .GroupBy(copy => copy)
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Exactly one copy for each of these (messageId, recipient) pairs, and nothing else.</summary>
    public static Dictionary<(string MessageId, string Recipient), int> OnceEach(IEnumerable<(string MessageId, string Recipient)> expected) =>
        expected.ToDictionary(pair => pair, _ => 1);
}
