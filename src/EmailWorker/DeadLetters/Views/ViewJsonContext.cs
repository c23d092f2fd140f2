using System.Text.Json.Serialization;
using EmailWorker.DeadLetters.Store;

namespace EmailWorker.DeadLetters.Views;

/// <summary>The view shapes the front ends print as JSON (<c>dlq</c>, <c>status --json</c>), and the body fields a view reads.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(BodyFields))]
[JsonSerializable(typeof(List<DeadLetterDetail>))]
[JsonSerializable(typeof(RawLetter))]
[JsonSerializable(typeof(List<RawLetter>))]
[JsonSerializable(typeof(List<LetterGroup>))]
[JsonSerializable(typeof(List<ReplayJob>))]
[JsonSerializable(typeof(StatusReport))]
internal sealed partial class ViewJsonContext : JsonSerializerContext;
