namespace EmailWorker.Configuration;

/// <summary>Collects start-up configuration errors, each naming the key and how to set it.</summary>
internal sealed class OptionErrors(string section)
{
    private readonly List<string> _errors = [];

    public void Add(string key, string problem) =>
        _errors.Add($"{section}:{key} {problem} (set it in appsettings.json or as EMAILWORKER__{section.ToUpperInvariant()}__{key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()})");

    public void Require(bool condition, string key, string problem)
    {
        if (!condition)
            Add(key, problem);
    }

    public Microsoft.Extensions.Options.ValidateOptionsResult ToResult() =>
        _errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(_errors);
}
