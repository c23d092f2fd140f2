using EmailWorker.IntegrationTests.Support;

// Every test ends with its child processes gone, whatever happened to it (see ChildProcesses).
[assembly: KillChildProcesses]

// Fixtures run four at a time: most of a test is waiting on a broker, a relay, a retry tier or a child process, not on the
// CPU (three at a time left the suite at 15.5 of CI's 20 minutes on 2 cores). Each
// test has its own topology prefix, SMTP server, ports and store folder; the fixtures that stop, kill or alarm the broker
// have a node of their own (FixtureBroker) and run beside the others; the few still [NonParallelizable] run alone.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(4)]
