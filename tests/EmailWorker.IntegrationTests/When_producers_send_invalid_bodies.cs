using EmailWorker.IntegrationTests.Support;

namespace EmailWorker.IntegrationTests;

/// <summary>The worker refuses the shared invalid example bodies with the same codes the contracts' validator gives them.</summary>
[TestFixture]
[CancelAfter(TestTimeouts.PerTest)]
public sealed class When_producers_send_invalid_bodies
{
    [Test]
    public async Task Should_dead_letter_each_with_the_validators_code()
    {
        var examples = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples", "invalid"))
            .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples", "invalid-beyond-schema")))
            .Select(path => (Code: Path.GetFileNameWithoutExtension(path).Split('-')[0], Body: File.ReadAllBytes(path)))
            .ToArray();
        Assert.That(examples, Has.Length.GreaterThanOrEqualTo(12));
        await using var context = new WorkerTestContext(ingestDeadLetters: false);
        // No default sender, so a message without "from" is invalid, as the producer-side validator says.
        await using var worker = context.StartWorker(new Dictionary<string, string> { ["EMAILWORKER__DELIVERY__DEFAULTFROM"] = "" });
        Assert.That(await worker.WaitForOutputAsync("Worker consuming", TimeSpan.FromSeconds(30)), Is.True, worker.Output);

        foreach (var (_, body) in examples)
            await context.PublishRawAsync(body);

        Assert.That(await WorkerTestContext.EventuallyAsync(async () => await context.MessageCountAsync(context.DeadQueue) == examples.Length, TimeSpan.FromSeconds(30)),
            Is.True, worker.Output);
        var letters = await DeadLetter.DrainAsync(context);
        Assert.Multiple(() =>
        {
            foreach (var (code, body) in examples)
                Assert.That(letters.Single(l => l.Body.SequenceEqual(body)).Header("email-failure-reason"), Does.StartWith(code), code);
            Assert.That(context.Smtp.Messages, Is.Empty);
        });
    }
}
