namespace EmailWorker.IntegrationTests.Deployment;

/// <summary>Files of the repository (deploy/, scripts/) from the test assembly's folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = Locate();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "EmailWorker.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"EmailWorker.sln not found above {AppContext.BaseDirectory}");
    }
}
