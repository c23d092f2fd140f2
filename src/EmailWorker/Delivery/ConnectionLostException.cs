namespace EmailWorker.Delivery;

/// <summary>
/// The connection to the relay broke (or the dialogue went out of step) during a transaction. When the body was already
/// on its way the relay may have taken the mail: <see cref="AfterBodyStarted"/> marks the attempt "maybe delivered".
/// </summary>
internal sealed class ConnectionLostException(Exception inner, bool afterBodyStarted)
    : Exception($"connection lost: {inner.Message}", inner)
{
    public bool AfterBodyStarted { get; } = afterBodyStarted;
}
