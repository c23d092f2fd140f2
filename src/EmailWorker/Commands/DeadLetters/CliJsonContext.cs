using System.Text.Json.Serialization;

namespace EmailWorker.Commands.DeadLetters;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<DeadLetterRow>))]
[JsonSerializable(typeof(List<DeadLetterDetail>))]
[JsonSerializable(typeof(Status.StatusReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
