using System.Text.Json.Serialization;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Cli.DeadLetters;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeadLetterRow))]
[JsonSerializable(typeof(BodyFields))]
[JsonSerializable(typeof(List<DeadLetterDetail>))]
[JsonSerializable(typeof(List<LetterGroup>))]
[JsonSerializable(typeof(List<ReplayJob>))]
[JsonSerializable(typeof(Status.StatusReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
