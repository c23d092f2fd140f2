using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>The browser tests' ground floor: Playwright starts the system Chromium offline and it renders and runs a page.</summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_a_browser_opens_a_page
{
    [Test]
    public async Task Should_render_it_and_run_its_script_in_system_chromium()
    {
        var (playwright, browser) = await SystemChromium.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync();
            await page.SetContentAsync("<title>before</title><p id=p>plain</p><script>document.title = 'ran'</script>");

            Assert.Multiple(async () =>
            {
                Assert.That(await page.TitleAsync(), Is.EqualTo("ran"), "scripts run where nothing forbids them");
                Assert.That(await page.TextContentAsync("#p"), Is.EqualTo("plain"));
                Assert.That(browser.Version, Is.Not.Empty);
            });
        }
    }
}
