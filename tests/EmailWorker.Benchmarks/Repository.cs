namespace EmailWorker.Benchmarks;

/// <summary>Where the worker, the sink and this program were built, found from this program's own folder (same configuration).</summary>
internal static class Repository
{
    private static readonly DirectoryInfo Output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    public static string Root { get; } = FindRoot();

    public static string Worker => Built("EmailWorker", "emailworker.dll");

    public static string Sink => Built("EmailWorker.SmtpSink", "smtpsink.dll");

    /// <summary>This program itself: the .NET peers run from it as processes of their own (<see cref="PeerProcess"/>).</summary>
    public static string Benchmarks => Path.Combine(AppContext.BaseDirectory, "EmailWorker.Benchmarks.dll");

    private static string Built(string project, string file) =>
        Path.Combine(Root, "src", project, "bin", Output.Parent!.Name, Output.Name, file);

    private static string FindRoot()
    {
        var directory = Output;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EmailWorker.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("EmailWorker.sln not found above " + AppContext.BaseDirectory);
    }
}
