namespace EmailWorker.IntegrationTests.Support;

/// <summary>Finds the worker's build output (same configuration as the tests) from the test assembly's folder.</summary>
public static class WorkerExecutable
{
    /// <summary>The repository's root folder (the one with EmailWorker.sln) above the test output.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Path { get; } = Locate();

    private static string FindRoot()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(System.IO.Path.Combine(repo.FullName, "EmailWorker.sln")))
            repo = repo.Parent;
        return repo?.FullName ?? throw new InvalidOperationException($"EmailWorker.sln not found above {AppContext.BaseDirectory}");
    }

    private static string Locate()
    {
        // The tests run from tests/<project>/bin/<Configuration>/<tfm>/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var path = System.IO.Path.Combine(RepositoryRoot, "src", "EmailWorker", "bin", configuration, framework, "emailworker.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The worker is not built: {path} is missing");
    }
}
