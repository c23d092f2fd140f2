using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EmailWorker.TestSupport;

/// <summary>
/// A private PostgreSQL cluster from Debian's <c>postgresql</c> package: <c>initdb</c> into a temp folder, <c>pg_ctl</c> on a
/// free port on 127.0.0.1 only, trust authentication (nothing else can reach it), stopped and deleted at the end. PostgreSQL
/// refuses to run as root, so as root (CI) every server command runs as the <c>postgres</c> OS user the package creates.
/// </summary>
public sealed class ThrowawayPostgresCluster : IAsyncDisposable
{
    private const string VersionsFolder = "/usr/lib/postgresql";
    private readonly string _directory;
    private readonly string _bin;

    private ThrowawayPostgresCluster(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    public int Port { get; }

    /// <summary>A connection string for <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling=true";

    public static async Task<ThrowawayPostgresCluster> StartAsync(TimeSpan timeout)
    {
        var bin = FindBin() ?? throw new InvalidOperationException(
            "No PostgreSQL server: install Debian's postgresql package (apt-get install postgresql; scripts/install-deps.sh does)");
        var directory = Directory.CreateTempSubdirectory("emailworker-pg-").FullName;
        if (IsRoot)
            await RunAsync("chown", ["postgres:postgres", directory], timeout);
        await RunServerToolAsync(bin, "initdb", ["-D", Path.Combine(directory, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale",
            "--no-sync"], timeout);
        var cluster = new ThrowawayPostgresCluster(directory, bin, FreePort());
        try
        {
            await cluster.StartServerAsync(timeout);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts the server again after <see cref="StopServerAsync"/>, on the same port with the same data.</summary>
    public Task StartServerAsync(TimeSpan timeout)
    {
        // fsync off: a throwaway cluster need not survive a power cut, and the tests write a lot.
        var settings = $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        return RunServerToolAsync(_bin, "pg_ctl", ["-D", DataDirectory, "-o", settings, "-l", Path.Combine(_directory, "server.log"), "-w", "-t",
            ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "start"], timeout);
    }

    /// <summary>Stops the server at once, as a crash or an outage would (sessions cut, nothing waited for).</summary>
    public Task StopServerAsync() =>
        RunServerToolAsync(_bin, "pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30));

    /// <summary>Creates an empty database (each test fixture takes its own).</summary>
    public Task CreateDatabaseAsync(string name) =>
        RunServerToolAsync(_bin, "createdb", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name],
            TimeSpan.FromSeconds(30));

    public Task DropDatabaseAsync(string name) =>
        RunServerToolAsync(_bin, "dropdb", ["--force", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name],
            TimeSpan.FromSeconds(30));

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>The newest installed server version's bin folder.</summary>
    private static string? FindBin() =>
        Directory.Exists(VersionsFolder)
            ? Directory.GetDirectories(VersionsFolder)
                .Select(folder => (Folder: folder, Version: int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(v => v.Version > 0 && File.Exists(Path.Combine(v.Folder, "bin", "initdb")))
                .OrderByDescending(v => v.Version)
                .Select(v => Path.Combine(v.Folder, "bin"))
                .FirstOrDefault()
            : null;

    private static Task RunServerToolAsync(string bin, string tool, string[] arguments, TimeSpan timeout) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments], timeout)
            : RunAsync(Path.Combine(bin, tool), arguments, timeout);

    private static async Task RunAsync(string program, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await StopServerAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // Already stopped, or it will be found by its pid file in a temp folder nobody uses again.
            }
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the temp folder is cleaned by the OS eventually.
        }
    }
}
