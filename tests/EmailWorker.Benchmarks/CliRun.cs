using System.Diagnostics;
using System.Globalization;

namespace EmailWorker.Benchmarks;

/// <summary>
/// One <c>emailworker</c> CLI command timed as an operator sees it, process start to exit, with its peak RSS. Standard
/// output goes to /dev/null (a million-row JSON array would otherwise cost this process more CPU than the command); the
/// peak is the kernel's high-water mark (VmHWM) and the CPU time is user + system, both read from /proc every 10 ms while the
/// command lives, so at most the last 10 ms can be missed.
/// </summary>
internal sealed record CliRun(int ExitCode, TimeSpan Elapsed, double PeakRssMiB, TimeSpan Cpu, string StandardError)
{
    public static async Task<CliRun> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        // sh replaces itself with dotnet (exec), so the process id polled is the command's own.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "exec \"$0\" \"$@\" >/dev/null", "dotnet", Repository.Worker }.Concat(arguments))
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("emailworker did not start");
        var standardError = process.StandardError.ReadToEndAsync();
        double peak = 0;
        var cpu = TimeSpan.Zero;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, HighWaterMiB(process.Id));
            cpu = Max(cpu, CpuTime(process.Id));
            if (clock.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"emailworker {string.Join(' ', arguments)} did not end within {timeout}");
            }
            await Task.Delay(10);
        }
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        return new CliRun(process.ExitCode, elapsed, peak, cpu, await standardError);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>User + system CPU time so far (utime and stime of /proc/PID/stat, in clock ticks of 10 ms).</summary>
    private static TimeSpan CpuTime(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The fields after the command name (which may hold spaces) start after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromMilliseconds(10 * (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    public static double HighWaterMiB(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
            return 0;
        }
    }
}
