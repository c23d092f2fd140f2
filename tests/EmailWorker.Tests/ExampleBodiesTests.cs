using System.Text.Json;
using EmailWorker.Contracts;
using Json.Schema;

namespace EmailWorker.Tests;

/// <summary>The C# validator and the JSON Schema agree on the shared example bodies, and each invalid one gets its code.</summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed class ExampleBodiesTests
{
    private static readonly SendEmailLimits Limits = new();
    private static readonly JsonSchema Schema = JsonSchema.FromText(ExampleBodies.Schema);

    private static IEnumerable<TestCaseData> Cases(string folder) =>
        ExampleBodies.In(folder).Select(example => new TestCaseData(example.Name, example.Json).SetName($"{folder}/{example.Name}"));

    private static IEnumerable<TestCaseData> Valid() => Cases("valid");

    private static IEnumerable<TestCaseData> Invalid() => Cases("invalid");

    private static IEnumerable<TestCaseData> InvalidBeyondSchema() => Cases("invalid-beyond-schema").Where(c => (string)c.Arguments[0]! != "not_json");

    [TestCaseSource(nameof(Valid))]
    public void Should_accept_a_valid_body_in_csharp_and_in_the_schema(string name, string json)
    {
        Assert.That(Validate(json), Is.Empty, name);
        Assert.That(SchemaAccepts(json), Is.True, name);
    }

    [TestCaseSource(nameof(Invalid))]
    public void Should_refuse_an_invalid_body_with_its_code_in_csharp_and_in_the_schema(string name, string json)
    {
        Assert.That(Validate(json).Select(e => e.Code), Does.Contain(ExampleBodies.CodeOf(name)));
        Assert.That(SchemaAccepts(json), Is.False, name);
    }

    [TestCaseSource(nameof(InvalidBeyondSchema))]
    public void Should_refuse_a_body_the_schema_cannot_judge_with_its_code(string name, string json) =>
        Assert.That(Validate(json).Select(e => e.Code), Does.Contain(ExampleBodies.CodeOf(name)));

    [Test]
    public void Should_fail_to_read_a_body_that_is_not_json() =>
        Assert.That(() => JsonSerializer.Deserialize(ExampleBodies.In("invalid-beyond-schema").Single(e => e.Name == "not_json").Json,
            ContractsJsonContext.Default.SendEmail), Throws.InstanceOf<JsonException>());

    [Test]
    public void Should_have_an_example_for_every_code_but_the_size_cap()
    {
        var covered = ExampleBodies.In("invalid").Concat(ExampleBodies.In("invalid-beyond-schema")).Select(e => ExampleBodies.CodeOf(e.Name)).ToHashSet();
        var codes = typeof(ValidationCodes).GetFields().Select(f => (string)f.GetValue(null)!).Where(code => code is not (ValidationCodes.TooLarge or ValidationCodes.InvalidMime));

        Assert.That(covered, Is.SupersetOf(codes));
    }

    private static IReadOnlyList<ValidationError> Validate(string json) =>
        SendEmailValidator.Validate(JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SendEmail)!, Limits, DateTimeOffset.UtcNow);

    private static bool SchemaAccepts(string json) =>
        Schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { RequireFormatValidation = true }).IsValid;
}
