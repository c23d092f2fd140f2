using Microsoft.Extensions.Options;

namespace EmailWorker.Configuration;

internal sealed class ScheduledOptionsValidator : IValidateOptions<ScheduledOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduledOptions options)
    {
        var errors = new OptionErrors(ScheduledOptions.Section);
        errors.Require(Duration.TryParse(options.Horizon, out var horizon) && horizon >= TimeSpan.FromMinutes(1) && horizon <= TimeSpan.FromDays(366),
            "Horizon", $"is '{options.Horizon}': write a duration from 1m to 366d with a unit, e.g. 30d");
        // Above 1 s a message may leave later than a second after its sendAt (the target of issue 25).
        errors.Require(Duration.TryParse(options.PollInterval, out var poll) && poll >= TimeSpan.FromMilliseconds(10) && poll <= TimeSpan.FromSeconds(1),
            "PollInterval", $"is '{options.PollInterval}': write a duration from 10ms to 1s with a unit, e.g. 250ms");
        // The wait holds a handler's slot: a few seconds at most.
        errors.Require(Duration.TryParse(options.WaitInMemory, out var wait) && wait <= TimeSpan.FromSeconds(30),
            "WaitInMemory", $"is '{options.WaitInMemory}': write a duration from 1ms to 30s with a unit, e.g. 2s");
        return errors.ToResult();
    }
}
