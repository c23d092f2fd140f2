using EmailWorker.Smtp;

namespace EmailWorker.Delivery;

/// <summary>What the relay said about one message: the final reply after DATA and the recipients it refused at RCPT.</summary>
internal sealed record SendReport(string FinalReply, IReadOnlyList<RecipientRefusal> Refusals);
