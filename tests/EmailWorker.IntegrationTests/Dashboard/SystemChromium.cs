using Microsoft.Playwright;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// Playwright driving Debian's <c>chromium</c> package (scripts/install-deps.sh installs it): browser downloads are not
/// reachable from CI, so Playwright never fetches its own build and is pointed at the system browser instead. The flags
/// keep the browser off the network (no update checks, sync, QUIC) and able to run as root in a container.
/// </summary>
public static class SystemChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    /// <summary>Playwright and a headless system Chromium; dispose both (the browser first) when the test ends.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            Assert.Fail($"{ExecutablePath} is missing: run scripts/install-deps.sh (it installs Debian's chromium package)");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Args,
                Timeout = 30_000,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
