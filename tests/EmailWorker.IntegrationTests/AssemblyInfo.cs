using EmailWorker.IntegrationTests.Support;

// Every test ends with its child processes gone, whatever happened to it (see ChildProcesses).
[assembly: KillChildProcesses]

// Fixtures run three at a time: most of a test is waiting on a broker, a relay or a child process, not on the CPU. Each
// test has its own topology prefix, SMTP server, ports and store folder; the fixtures that change the broker itself
// (alarms, stopping or killing it, its users) are [NonParallelizable] and run alone.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(3)]
