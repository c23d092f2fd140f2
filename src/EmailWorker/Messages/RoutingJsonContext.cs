using System.Text.Json.Serialization;


namespace EmailWorker.Messages;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<HistoryEntry>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class RoutingJsonContext : JsonSerializerContext;
