using System.Diagnostics;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>Runs <c>emailworker &lt;args&gt;</c> as an operator would, without a terminal, and captures stdout and stderr apart.</summary>
public static class CliRun
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunWithInputAsync(environment, "", arguments);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="input"/> on standard input (e.g. a password, never an argument).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(IReadOnlyDictionary<string, string> environment, string input,
        params string[] arguments)
    {
        using var process = Start(environment, arguments, input);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CurrentContext.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        finally
        {
            // A command that hangs past the bound (or the test's timeout) must not outlive the test.
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the command and leaves it running; it is killed when the test ends if it has not exited by then.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] arguments) => Start(environment, arguments, "");

    private static Process Start(IReadOnlyDictionary<string, string> environment, string[] arguments, string input)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerExecutable.Path);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = ChildProcesses.Track(Process.Start(start) ?? throw new InvalidOperationException("emailworker did not start"));
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        return process;
    }
}
