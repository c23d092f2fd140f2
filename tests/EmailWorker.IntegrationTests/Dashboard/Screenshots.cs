using EmailWorker.IntegrationTests.Support;
using Microsoft.Playwright;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// Screenshots of the dashboard for docs/dashboard.md. Every run takes them (into the test's work folder);
/// with <c>EMAILWORKER_UPDATE_SCREENSHOTS=1</c> they replace the ones in docs/screenshots, so a normal run leaves the
/// repository unchanged.
/// </summary>
public static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Type = ScreenshotType.Png });
        Assert.That(bytes, Is.Not.Empty);
        await File.WriteAllBytesAsync(Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-{name}.png"), bytes);
        if (Environment.GetEnvironmentVariable("EMAILWORKER_UPDATE_SCREENSHOTS") == "1")
        {
            var folder = Path.Combine(WorkerExecutable.RepositoryRoot, "docs", "screenshots");
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, $"dashboard-{name}.png"), bytes);
        }
    }
}
