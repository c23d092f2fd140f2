namespace EmailWorker.Delivery;

/// <summary>Connecting, securing or logging in to the relay failed: not the message's fault (class <c>system</c>).</summary>
internal sealed class RelayUnavailableException(Exception inner) : Exception($"The SMTP relay could not be used: {inner.Message}", inner);
