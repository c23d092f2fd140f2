using System.Globalization;
using EmailWorker.SmtpSink;

namespace EmailWorker.IntegrationTests.Relays;

/// <summary>The worker's environment for several relays, each a scripted SMTP server on loopback: <c>Smtp:Relays</c> instead of <c>Smtp:Host</c>.</summary>
internal static class RelayEnvironment
{
    public static Dictionary<string, string> Of(params (string Name, ScriptedSmtpServer Server)[] relays)
    {
        // The single-relay form is emptied: both at once are refused at start-up.
        var environment = new Dictionary<string, string> { ["EMAILWORKER__SMTP__HOST"] = "" };
        for (var i = 0; i < relays.Length; i++)
        {
            environment[$"EMAILWORKER__SMTP__RELAYS__{i}__NAME"] = relays[i].Name;
            environment[$"EMAILWORKER__SMTP__RELAYS__{i}__HOST"] = "127.0.0.1";
            environment[$"EMAILWORKER__SMTP__RELAYS__{i}__PORT"] = relays[i].Server.Port.ToString(CultureInfo.InvariantCulture);
        }
        return environment;
    }

    /// <summary>Adds route <paramref name="index"/>: messages from <paramref name="senderDomain"/> go to <paramref name="relays"/>, the first preferred.</summary>
    public static Dictionary<string, string> WithRoute(this Dictionary<string, string> environment, int index, string senderDomain, params string[] relays)
    {
        environment[$"EMAILWORKER__SMTP__ROUTES__{index}__SENDERDOMAIN"] = senderDomain;
        for (var i = 0; i < relays.Length; i++)
            environment[$"EMAILWORKER__SMTP__ROUTES__{index}__RELAYS__{i}"] = relays[i];
        return environment;
    }

    /// <summary>A plain-JSON message from <paramref name="sender"/> to one recipient, optionally naming its relay.</summary>
    public static object Message(string messageId, string sender, string recipient, string? relay = null) => new
    {
        messageId,
        from = new { address = sender },
        to = new[] { new { address = recipient } },
        subject = "Hello",
        text = $"Body of {messageId}",
        relay,
    };

    /// <summary>The recipients a server accepted, one entry per copy (a recipient twice is there twice).</summary>
    public static List<string> Recipients(ScriptedSmtpServer server) => [.. server.Messages.SelectMany(m => m.Recipients)];
}
