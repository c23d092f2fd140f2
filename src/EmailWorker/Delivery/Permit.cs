namespace EmailWorker.Delivery;

/// <summary>A sender's right to one transaction on one connection, taken at <paramref name="StartedAt"/>; whether it had to wait for either.</summary>
internal readonly record struct Permit(DateTimeOffset StartedAt, bool WaitedForConnection, bool WaitedForRate);
