using System.Text.Json;
using EmailWorker.Scheduling;

namespace EmailWorker.Cli.Scheduled;

/// <summary>One scheduled message as a JSON object of <c>scheduled list --json</c>.</summary>
internal static class ScheduledEntryJson
{
    public static void Write(Utf8JsonWriter writer, ScheduledEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteString("messageId", entry.MessageId);
        writer.WriteString("sendAt", entry.SendAt);
        writer.WriteString("state", StateName(entry.State));
        writer.WriteString("heldAt", entry.HeldAt);
        writer.WriteNumber("bodyBytes", entry.BodyBytes);
        if (entry.ChangedAt is { } changedAt)
            writer.WriteString("changedAt", changedAt);
        else
            writer.WriteNull("changedAt");
        writer.WriteString("changedBy", entry.ChangedBy);
        writer.WriteEndObject();
    }

    /// <summary><c>held</c>, <c>cancelled</c> or <c>released</c>.</summary>
    public static string StateName(ScheduledState state) => state.ToString().ToLowerInvariant();
}
