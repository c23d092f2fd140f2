namespace EmailWorker.Publisher.Connection;

/// <summary>
/// AMQP over TLS (section <c>RabbitMq:Tls</c> of the worker, <see cref="EmailPublisherOptions.Tls"/> of a producer). The
/// broker's certificate is always verified: against <see cref="CaFile"/> when set, else against the system's trusted roots.
/// There is no option to accept any certificate.
/// </summary>
public sealed class AmqpTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>The name the broker's certificate must carry; empty means each endpoint's host name.</summary>
    public string ServerName { get; set; } = "";

    /// <summary>PEM file of the certificate authorities trusted for the broker (instead of the system's roots); empty: system roots.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>PKCS#12 (.p12/.pfx) file with a client certificate and its key, for brokers that require one; empty: none.</summary>
    public string ClientCertificateFile { get; set; } = "";

    /// <summary>Password of <see cref="ClientCertificateFile"/>; never logged.</summary>
    public string ClientCertificatePassword { get; set; } = "";

    /// <summary>What is wrong with these options, as (key under <c>Tls</c>, problem) pairs; empty when they can be used.</summary>
    public IEnumerable<(string Key, string Problem)> Problems()
    {
        // The CA also verifies the management API's https, so it is checked even without AMQP TLS.
        if (CaFile.Length > 0 && !File.Exists(CaFile))
            yield return ("CaFile", $"is '{CaFile}', which does not exist: name a PEM file of the broker's certificate authority, or leave it empty to trust the system's roots");
        if (!Enabled)
            yield break;
        if (ClientCertificateFile.Length > 0 && !File.Exists(ClientCertificateFile))
            yield return ("ClientCertificateFile", $"is '{ClientCertificateFile}', which does not exist: name a PKCS#12 file, or leave it empty");
        if (ServerName.Length > 0 && Uri.CheckHostName(ServerName) == UriHostNameType.Unknown)
            yield return ("ServerName", $"is '{ServerName}': use the host name in the broker's certificate, or leave it empty");
    }
}
