using EmailWorker.Configuration;
using Microsoft.Extensions.Options;
using EmailWorker.Smtp;


namespace EmailWorker.Outcomes;

/// <summary>
/// Classifies replies and exceptions by the default table, then applies the operators' <c>Classification:Overrides</c>
/// (a rule for code + enhanced code wins over one for the code alone). Failures that are not the relay's reply to a
/// command — connecting, securing, logging in — keep their class: an override cannot make them burn retries.
/// </summary>
internal sealed class OutcomeClassifier(IOptions<ClassificationOptions> options, IOptions<SmtpOptions> smtp)
{
    private readonly IReadOnlyDictionary<string, OutcomeClass> _rules = options.Value.Rules;
    private readonly bool _throttling = smtp.Value.Adaptive.Enabled;

    public AttemptOutcome ClassifyReply(SmtpStage stage, int code, string replyText) => Apply(SmtpReplyClassifier.Classify(stage, code, replyText, _throttling));

    public AttemptOutcome ClassifyException(Exception exception)
    {
        var outcome = ExceptionClassifier.Classify(exception, _throttling);
        if (exception is SmtpCommandRefusedException)
            return Apply(outcome);
        if (outcome.Class != OutcomeClass.Throttled)
            return outcome;
        // A throttling reply while connecting: an override may say it is the relay refusing us (system), never that the
        // message should spend retries on it.
        var overridden = Apply(outcome);
        return overridden.Class == OutcomeClass.System ? overridden with { RelayUnreached = outcome.Stage == SmtpStage.Connect } : outcome;
    }

    private AttemptOutcome Apply(AttemptOutcome outcome)
    {
        if (_rules.Count == 0 || outcome.SmtpCode is not { } code || outcome.Class == OutcomeClass.Delivered)
            return outcome;
        var key = outcome.EnhancedCode is { } enhanced ? $"{code} {enhanced}" : null;
        if ((key is not null && _rules.TryGetValue(key, out var overridden)) || _rules.TryGetValue($"{code}", out overridden))
            return outcome with { Class = overridden, Greylisted = overridden == OutcomeClass.Transient && outcome.Greylisted };
        return outcome;
    }
}
