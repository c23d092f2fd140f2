using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>
/// The store's binder onto <see cref="LetterSelection"/>: its conditions as a WHERE condition on <c>dead_letters d</c>, with
/// their parameters added to the command. Named letters and tags are not SQL: a selection with them is refused here rather
/// than read wider than it says (<see cref="LetterSelection.InStore"/>; the callers match them while streaming).
/// </summary>
internal static class FilterSql
{
    public static string Where(LetterSelection filter, DbCommand command, SqlDialect dialect)
    {
        if (!filter.InStore)
            throw new ArgumentException("named letters and tags are matched while streaming, not in SQL", nameof(filter));
        var conditions = new List<string> { "1 = 1" };
        void Add(string condition, string name, object value)
        {
            conditions.Add(condition);
            command.Add(name, value);
        }
        if (filter.State is { } state)
            Add("d.state = @f_state", "@f_state", (int)state);
        if (filter.Class is { } letterClass)
            Add("d.class = @f_class", "@f_class", letterClass);
        if (filter.SmtpCode is { } code)
            Add("d.smtp_code = @f_code", "@f_code", code);
        if (filter.EnhancedCode is { } enhanced)
            Add("d.enhanced_code = @f_enhanced", "@f_enhanced", enhanced);
        if (filter.Group is { } group)
            Add("d.group_key = @f_group", "@f_group", group);
        if (filter.MessageId is { } messageId)
            Add("d.message_id = @f_message", "@f_message", messageId);
        // Recipients are stored as a JSON array of strings: "…@domain" ends with the domain and its closing quote.
        if (filter.RecipientDomain is { Length: > 0 } domain)
            Add(dialect.ContainsIgnoringCase("d.recipients", "@f_domain"), "@f_domain", $"@{domain}\"");
        if (filter.ReasonContains is { Length: > 0 } text)
            Add(dialect.ContainsIgnoringCase("d.reason", "@f_reason"), "@f_reason", text);
        if (filter.Since is { } since)
            Add("d.last_failure_at >= @f_since", "@f_since", since.ToUnixTimeMilliseconds());
        if (filter.Until is { } until)
            Add("d.last_failure_at < @f_until", "@f_until", until.ToUnixTimeMilliseconds());
        if (filter.UpTo is { } upTo)
            Add("d.seq <= @f_upto", "@f_upto", upTo);
        return string.Join(" AND ", conditions);
    }
}
