using EmailWorker.Messages;

namespace EmailWorker.Scheduling;

/// <summary>
/// A message held until its <c>sendAt</c>: the body byte for byte and the properties and headers it came with, published
/// again to the work exchange when due, as <c>dlq replay</c> publishes a stored letter.
/// </summary>
internal sealed record HeldMessage(string MessageId, DateTimeOffset SendAt, DateTimeOffset HeldAt, IncomingMessage Message);
