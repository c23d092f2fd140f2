using System.Text.Json.Serialization;

namespace EmailWorker.Delivery;

/// <summary>
/// The body of the worker's <c>GET /relays</c>: every relay's <see cref="RelayStatus"/>, and when this worker process
/// started (a reader that sees it change knows the worker's counters started again).
/// </summary>
internal sealed record RelayStatusReport(DateTimeOffset StartedAt, IReadOnlyList<RelayStatus> Relays);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RelayStatusReport))]
internal sealed partial class RelayStatusJsonContext : JsonSerializerContext;
