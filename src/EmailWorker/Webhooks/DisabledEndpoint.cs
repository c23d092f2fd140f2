namespace EmailWorker.Webhooks;

/// <summary>
/// An endpoint that answered 410 Gone: nothing is sent to it until an operator replays its webhooks or its URL is changed
/// (<see cref="Url"/> is the one that answered).
/// </summary>
internal sealed record DisabledEndpoint(string Endpoint, string Url, DateTimeOffset DisabledAt);
