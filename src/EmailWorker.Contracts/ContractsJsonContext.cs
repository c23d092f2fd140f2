using System.Text.Json.Serialization;

namespace EmailWorker.Contracts;

/// <summary>
/// Source-generated System.Text.Json metadata for the wire contract and the status events: camelCase, unknown fields ignored,
/// nulls left out when writing.
/// </summary>
[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SendEmail))]
[JsonSerializable(typeof(Events.EmailDelivered))]
[JsonSerializable(typeof(Events.EmailDeferred))]
[JsonSerializable(typeof(Events.EmailDeadLettered))]
[JsonSerializable(typeof(Events.EmailRejected))]
[JsonSerializable(typeof(Events.EmailExpired))]
[JsonSerializable(typeof(Events.EmailReplayed))]
[JsonSerializable(typeof(Events.EmailInDoubt))]
[JsonSerializable(typeof(Events.EmailSuppressed))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
