namespace EmailWorker.SmtpSink;

/// <summary>Where a connection above <see cref="SinkLimits.MaxConnections"/> is refused: at the greeting or at its EHLO.</summary>
public enum ConnectionRefusalStage
{
    Greeting,
    Ehlo,
}
