using EmailWorker.IntegrationTests.Support;

// Every test ends with its child processes gone, whatever happened to it (see ChildProcesses).
[assembly: KillChildProcesses]
