using EmailWorker.IntegrationTests.Support;
using Microsoft.Playwright;

namespace EmailWorker.IntegrationTests.Dashboard;

/// <summary>
/// Edit &amp; retry in a real browser, on a real broker, store and SMTP server: a letter a worker dead-lettered for a
/// mistyped recipient; a viewer gets no edit form, an operator fixes the recipient, sees the difference, sends it, and the
/// SMTP server receives the edited message exactly once.
/// </summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_operators_edit_a_dead_letter
{
    [Test]
    public async Task Should_show_the_difference_then_deliver_the_edit_once_and_give_viewers_no_form()
    {
        await using var context = new WorkerTestContext();
        using var listener = new WorkerListener();
        await WorkerDeadLetters.MakeAsync(context,
            [new { messageId = "dash-typo", from = new { address = "shop@example.com" }, to = new[] { new { address = "ann@exmaple.org" } }, subject = "Your <b>order</b>", text = "Hello Ann" }]);
        await using var dashboard = await DashboardProcess.StartAsync(context, listener.BaseUrl + "/metrics");
        await using var worker = await context.StartConsumingAsync(listener.Environment());
        var (playwright, browser) = await SystemChromium.LaunchAsync();
        try
        {
            var viewer = await LogInAsync(browser, dashboard, DashboardProcess.Viewer, DashboardProcess.ViewerPassword);
            await viewer.GotoAsync("/letters");
            await viewer.GetByRole(AriaRole.Link, new() { Name = "dash-typo" }).ClickAsync();
            var letterPath = new Uri(viewer.Url).AbsolutePath;
            var viewerLinks = await viewer.GetByRole(AriaRole.Link, new() { Name = "Edit & retry…" }).CountAsync();
            var viewerForm = await viewer.APIRequest.GetAsync($"{letterPath}/edit", new() { MaxRedirects = 0 });
            // A valid CSRF token of the viewer's own session (from the log-out form): only the role is missing.
            var form = viewer.APIRequest.CreateFormData();
            form.Append("csrf", (await viewer.Locator("input[name=csrf]").First.GetAttributeAsync("value"))!);
            foreach (var field in new[] { "to", "cc", "bcc", "subject", "text", "html", "headers" })
                form.Append(field, field == "to" ? "ann@example.org" : "");
            var viewerSend = await viewer.APIRequest.PostAsync($"{letterPath}/edit", new() { Form = form, MaxRedirects = 0 });
            Assert.Multiple(() =>
            {
                Assert.That(viewerLinks, Is.Zero, "a viewer is offered no edit");
                Assert.That(viewerForm.Status, Is.EqualTo(403), "nor given the form");
                Assert.That(viewerSend.Status, Is.EqualTo(403), "and its post is refused");
            });

            var page = await LogInAsync(browser, dashboard, DashboardProcess.Operator, DashboardProcess.OperatorPassword);
            await page.GotoAsync(letterPath);
            await page.GetByRole(AriaRole.Link, new() { Name = "Edit & retry…" }).ClickAsync();
            await page.GetByLabel("To", new() { Exact = true }).FillAsync("ann@example.org");
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview the difference" }).ClickAsync();
            await Assertions.Expect(page.Locator("p.dryrun")).ToContainTextAsync("Nothing has changed yet");
            var removed = await page.Locator("table.diff tr.removed").AllTextContentsAsync();
            var added = await page.Locator("table.diff tr.added").AllTextContentsAsync();
            await Screenshots.TakeAsync(page, "edit-preview");
            Assert.Multiple(() =>
            {
                Assert.That(removed, Is.EqualTo(new[] { "to-ann@exmaple.org" }), "only the recipient changed: the subject's markup came back as text");
                Assert.That(added, Is.EqualTo(new[] { "to+ann@example.org" }));
                Assert.That(context.Smtp.Messages, Is.Empty, "a preview sends nothing");
            });

            await page.GetByRole(AriaRole.Button, new() { Name = "Send the edited message" }).ClickAsync();

            await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            Assert.That(await context.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)), Is.True, $"{worker.Output}\n{dashboard.Output}");
            Assert.That(await context.BecomesEmptyAsync(context.WorkQueue, TimeSpan.FromSeconds(30)), Is.True);
            await page.GotoAsync(letterPath);
            var state = await page.Locator("dt:text-is('State') + dd").TextContentAsync();
            var editRecord = await page.Locator("main").TextContentAsync();
            await page.GotoAsync("/audit");
            var audit = await page.Locator("tr", new() { HasText = "edit" }).AllTextContentsAsync();
            Assert.Multiple(() =>
            {
                Assert.That(context.Smtp.Messages.Select(m => m.Recipients), Is.EqualTo(new[] { new[] { "ann@example.org" } }), "the edit once, the original never");
                Assert.That(state, Does.StartWith("edited").And.Contain($"by {DashboardProcess.Operator}"));
                Assert.That(editRecord, Does.Contain("Edited: replaced by its edited copy"));
                Assert.That(audit, Has.Count.EqualTo(1));
                Assert.That(audit[0], Does.Contain(DashboardProcess.Operator).And.Contain("operator").And.Contain("edited as"));
            });
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task<IPage> LogInAsync(IBrowser browser, DashboardProcess dashboard, string user, string password)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = dashboard.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("User").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        return page;
    }
}
