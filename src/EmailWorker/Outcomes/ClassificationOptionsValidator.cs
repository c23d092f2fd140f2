using EmailWorker.Configuration;
using Microsoft.Extensions.Options;

namespace EmailWorker.Outcomes;

internal sealed class ClassificationOptionsValidator : IValidateOptions<ClassificationOptions>
{
    public ValidateOptionsResult Validate(string? name, ClassificationOptions options)
    {
        var errors = new OptionErrors(ClassificationOptions.Section);
        if (!ReplyOverrides.TryParse(options.Overrides, out _, out var problem))
            errors.Add("Overrides", $"is '{options.Overrides}': {problem}");
        return errors.ToResult();
    }
}
