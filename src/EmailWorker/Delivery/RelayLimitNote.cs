namespace EmailWorker.Delivery;

/// <summary>One change of a relay's limits: when, and the text the worker logged for it ("4 → 3 connections after 421 4.7.0 at connect").</summary>
internal sealed record RelayLimitNote(DateTimeOffset At, string Text);
