using System.Text.Json.Serialization;

namespace EmailWorker.Contracts;

/// <summary>
/// Source-generated System.Text.Json metadata for the wire contract: camelCase, unknown fields ignored,
/// nulls left out when writing.
/// </summary>
[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SendEmail))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
