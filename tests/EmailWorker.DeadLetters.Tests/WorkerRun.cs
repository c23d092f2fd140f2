using System.Collections.Concurrent;
using System.Diagnostics;

namespace EmailWorker.DeadLetters.Tests;

/// <summary><c>emailworker run</c> as a real process (the worker's own build output), configured by environment, its output kept.</summary>
internal sealed class WorkerRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerRun(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join(Environment.NewLine, _lines);

    public static WorkerRun Start(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Locate());
        start.ArgumentList.Add("run");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new WorkerRun(Process.Start(start) ?? throw new InvalidOperationException("the worker did not start"));
    }

    /// <summary>SIGKILL: no ack, no close, nothing flushed.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, then the exit code; null if it has not exited within the timeout.</summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
            _lines.Enqueue(line);
    }

    /// <summary>src/EmailWorker/bin/&lt;configuration&gt;/&lt;tfm&gt;/emailworker.dll, from tests/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/.</summary>
    private static string Locate()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var repo = output;
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "EmailWorker.sln")))
            repo = repo.Parent;
        if (repo is null)
            throw new InvalidOperationException($"EmailWorker.sln not found above {AppContext.BaseDirectory}");
        var path = Path.Combine(repo.FullName, "src", "EmailWorker", "bin", output.Parent!.Name, output.Name, "emailworker.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The worker is not built: {path} is missing");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && await TerminateAsync(TimeSpan.FromSeconds(40)) is null)
            KillHard();
        _process.Dispose();
    }
}
