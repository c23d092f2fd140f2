using System.Text.Json.Serialization;

namespace EmailWorker.DeadLetters.Store;

[JsonSerializable(typeof(string[]))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
