using System.Text.Json.Serialization;

namespace EmailWorker.DeadLetters;

[JsonSerializable(typeof(string[]))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
