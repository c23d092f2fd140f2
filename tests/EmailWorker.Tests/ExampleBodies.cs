using System.Reflection;

namespace EmailWorker.Tests;

/// <summary>The example bodies of tests/examples, embedded in this assembly: valid, invalid (the schema catches them too) and
/// invalid beyond the schema (configuration- or clock-dependent). An invalid file's name starts with the expected code.</summary>
internal static class ExampleBodies
{
    private static readonly Assembly Assembly = typeof(ExampleBodies).Assembly;

    public static IEnumerable<(string Name, string Json)> In(string folder) =>
        Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith($"examples/{folder}/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (Path.GetFileNameWithoutExtension(name), Read(name)));

    public static string Schema => Read("SendEmail.schema.json");

    /// <summary>"invalid_address-display-name" → "invalid_address".</summary>
    public static string CodeOf(string name) => name.Split('-')[0];

    private static string Read(string resource)
    {
        using var stream = Assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"{resource} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
