using EmailWorker.Delivery.Suppression;
using EmailWorker.Diagnostics;

namespace EmailWorker.Cli.Suppress;

/// <summary>What an operator types for the suppression list, checked by <see cref="SuppressionRules"/> before the store is opened: bad input exits 2 with one clear line.</summary>
internal static class SuppressionInput
{
    /// <summary>An address or <c>*@domain</c> as the list's key (lower case).</summary>
    public static string Key(string? text) => SuppressionRules.Key(text, out var problem) ?? throw Usage(problem!);

    /// <summary><c>--stream</c>: a stream's name, or none (or <c>global</c>) for the global scope.</summary>
    public static string Scope(string? stream) => SuppressionRules.Scope(stream, out var problem) ?? throw Usage(problem!.Replace("scope", "--stream", StringComparison.Ordinal));

    public static string Reason(string? text) => SuppressionRules.Reason(text, out var problem) ?? throw Usage(problem!);

    /// <summary>Who made the entry: <c>--by</c>, else the user running the command.</summary>
    public static string Actor(string? text) =>
        SuppressionRules.Actor(string.IsNullOrWhiteSpace(text) ? Environment.UserName : text, "--by", out var problem) ?? throw Usage(problem!);

    public static OperatorException Usage(string message) => new(message, ExitCodes.Usage);
}
