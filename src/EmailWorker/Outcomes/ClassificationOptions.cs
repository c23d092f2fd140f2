namespace EmailWorker.Outcomes;

/// <summary>Section <c>Classification</c>: operators' changes to how SMTP replies are classified (SMTP-OUTCOMES.md).</summary>
internal sealed class ClassificationOptions
{
    public const string Section = "Classification";

    /// <summary>
    /// Comma-separated <c>reply=class</c> pairs, the reply being a code or a code with its enhanced code, e.g.
    /// <c>452 4.2.2=permanent, 552 5.2.2=permanent</c>. Classes: transient, permanent, system. One string, so one
    /// environment variable replaces it.
    /// </summary>
    public string Overrides { get; set; } = "";

    public IReadOnlyDictionary<string, OutcomeClass> Rules => ReplyOverrides.Parse(Overrides);
}
