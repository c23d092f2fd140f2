using System.Collections.Concurrent;
using System.Diagnostics;
using NUnit.Framework.Interfaces;

namespace EmailWorker.IntegrationTests.Support;

/// <summary>
/// Every process a test starts (worker, CLI, example producers) is registered here and killed, with its children, when
/// the test ends — passed, failed or cancelled by its timeout — so a timed-out wait never leaves one running.
/// </summary>
public static class ChildProcesses
{
    // Fixtures run in parallel: each test's processes are kept under its own id.
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<Process>> Started = new();

    public static Process Track(Process process)
    {
        Started.GetOrAdd(TestContext.CurrentContext.Test.ID, _ => new ConcurrentQueue<Process>()).Enqueue(process);
        return process;
    }

    /// <summary>Kills whatever the test with <paramref name="testId"/> started and is still running.</summary>
    public static void KillAll(string testId)
    {
        if (!Started.TryRemove(testId, out var started))
            return;
        while (started.TryDequeue(out var process))
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone or disposed by the test itself.
            }
        }
    }
}

/// <summary>Applies <see cref="ChildProcesses.KillAll"/> after every test of the assembly.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class KillChildProcessesAttribute : Attribute, ITestAction
{
    public ActionTargets Targets => ActionTargets.Test;

    public void BeforeTest(ITest test)
    {
    }

    public void AfterTest(ITest test) => ChildProcesses.KillAll(test.Id);
}
