using System.Collections.Concurrent;
using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// The real <c>emailworker</c> executable as a child process, configured through <c>EMAILWORKER__*</c> variables, with its
/// console output captured so tests can read what it logged.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join(Environment.NewLine, _lines);

    /// <summary>
    /// Any command line that ends in the worker (e.g. a supervisor's wrapper such as unshare + setpriv), with exactly
    /// <paramref name="environment"/> and nothing inherited.
    /// </summary>
    public static WorkerProcess StartCommand(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new WorkerProcess(ChildProcesses.Track(Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start")));
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerExecutable.Path);
        foreach (var argument in arguments.Length == 0 ? ["run"] : arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new WorkerProcess(ChildProcesses.Track(Process.Start(start) ?? throw new InvalidOperationException("the worker did not start")));
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false if the process exited or the timeout passed first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
                return true;
            if (_process.HasExited)
            {
                // The exit is seen before the last lines of its output were read: wait for the end of the output first.
                await _process.WaitForExitAsync(TestContext.CurrentContext.CancellationToken);
                return Output.Contains(text, StringComparison.Ordinal);
            }
            await Task.Delay(50, TestContext.CurrentContext.CancellationToken);
        }
        return false;
    }

    /// <summary>Waits for the process to exit and returns its exit code; null if it is still running after the timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, TestContext.CurrentContext.CancellationToken);
        try
        {
            await _process.WaitForExitAsync(either.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: the process gets no chance to ack, requeue or close anything.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as systemd or Kubernetes stop a service.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    private void Capture(string? line)
    {
        if (line is not null)
            _lines.Enqueue(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await TerminateAsync();
            if (await WaitForExitAsync(TimeSpan.FromSeconds(40)) is null)
                KillHard();
        }
        _process.Dispose();
    }
}
