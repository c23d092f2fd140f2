namespace EmailWorker.Smtp;

/// <summary>The relay refused one recipient at RCPT TO, with its reply.</summary>
internal sealed record RecipientRefusal(string Address, int StatusCode, string Reply);
