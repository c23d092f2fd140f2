using System.Text.Json.Serialization;

namespace EmailWorker.DeadLetters.Store;

[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(LetterProperties))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
