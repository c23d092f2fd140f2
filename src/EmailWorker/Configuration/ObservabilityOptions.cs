namespace EmailWorker.Configuration;

/// <summary>Section <c>Observability</c>: the metrics and health listener, OTLP export and the console log's format.</summary>
internal sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>
    /// Where <c>/metrics</c>, <c>/healthz/live</c> and <c>/healthz/ready</c> are served: one or more <c>http://host:port</c>
    /// separated by <c>;</c>. Empty turns the listener off. Loopback by default: in a container use <c>http://0.0.0.0:9464</c>.
    /// </summary>
    public string Urls { get; set; } = "http://localhost:9464";

    /// <summary>An OpenTelemetry collector's base URL; metrics and traces are exported there when set.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>Grpc</c> (port 4317 by convention) or <c>HttpProtobuf</c> (4318).</summary>
    public string OtlpProtocol { get; set; } = "Grpc";

    /// <summary>
    /// The share of traces recorded and exported (0 to 1) when a message arrives without a sampled parent; a producer's
    /// sampled <c>traceparent</c> is always continued. 1 records every message: about 5 % CPU per message here.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary><c>Text</c> (a line per event) or <c>Json</c> (Serilog's compact JSON, one object per line).</summary>
    public string LogFormat { get; set; } = "Text";

    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool JsonLogs => string.Equals(LogFormat, "Json", StringComparison.OrdinalIgnoreCase);
}
