using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmailWorker.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EmailWorker.Tests;

/// <summary>
/// The files of deploy/ (embedded in this assembly): each YAML and JSON file parses, every <c>EMAILWORKER__*</c> variable they
/// name is an option the worker binds, the supervisors' kill timeouts exceed the worker's drain time, and the broker
/// users' permissions allow what each component needs and nothing of the others'.
/// </summary>
[TestFixture]
[CancelAfter(UnitTimeouts.PerTest)]
public sealed partial class DeployFilesTests
{
    private static readonly Assembly Assembly = typeof(DeployFilesTests).Assembly;

    private static IEnumerable<string> Files(params string[] extensions) =>
        Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("deploy/", StringComparison.Ordinal) && (extensions.Length == 0 || extensions.Any(e => name.EndsWith(e, StringComparison.Ordinal))))
            .Order(StringComparer.Ordinal);

    private static string Read(string resource)
    {
        using var stream = Assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"{resource} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static List<YamlDocument> Yaml(string resource)
    {
        var stream = new YamlStream();
        // Merge keys (<<: *anchor) as compose uses them.
        stream.Load(new MergingParser(new Parser(new StringReader(Read(resource)))));
        return [.. stream.Documents];
    }

    [Test]
    public void Should_have_the_files_an_operator_needs() =>
        Assert.That(Files(), Is.SupersetOf(new[]
        {
            "deploy/Dockerfile", "deploy/compose.yaml", "deploy/rabbitmq/definitions.json", "deploy/rabbitmq/rabbitmq.conf",
            "deploy/kubernetes/base/kustomization.yaml", "deploy/kubernetes/base/deployment.yaml", "deploy/systemd/emailworker.service",
        }));

    [TestCaseSource(nameof(YamlFiles))]
    public void Should_parse_every_yaml_file(string resource)
    {
        var documents = Yaml(resource);

        Assert.That(documents, Is.Not.Empty);
        if (resource.StartsWith("deploy/kubernetes/", StringComparison.Ordinal))
        {
            foreach (var root in documents.Select(d => (YamlMappingNode)d.RootNode))
                Assert.That(root.Children.Keys.Select(k => k.ToString()), Is.SupersetOf(new[] { "apiVersion", "kind" }), resource);
        }
    }

    [TestCaseSource(nameof(JsonFiles))]
    public void Should_parse_every_json_file(string resource) =>
        Assert.DoesNotThrow(() => JsonDocument.Parse(Read(resource)).Dispose(), resource);

    [Test]
    public void Should_list_every_kubernetes_resource_in_the_kustomization()
    {
        var kustomization = (YamlMappingNode)Yaml("deploy/kubernetes/base/kustomization.yaml")[0].RootNode;
        var listed = ((YamlSequenceNode)kustomization["resources"]).Select(n => $"deploy/kubernetes/base/{n}").ToList();

        Assert.That(listed, Is.EquivalentTo(Files(".yaml").Where(f => f.StartsWith("deploy/kubernetes/base/", StringComparison.Ordinal)
            && !f.EndsWith("kustomization.yaml", StringComparison.Ordinal) && !f.EndsWith(".example.yaml", StringComparison.Ordinal))));
    }

    [Test]
    public void Should_name_only_options_the_worker_binds()
    {
        var named = Files().SelectMany(f => VariablePattern().Matches(Read(f)).Select(m => (File: f, Variable: m.Value))).ToList();
        var unknown = named.Where(n => !IsOption(n.Variable)).Select(n => $"{n.Variable} in {n.File}").Distinct().ToList();

        Assert.That(named.Select(n => n.Variable).Distinct().Count(), Is.GreaterThan(15), "the deploy files should configure the worker");
        Assert.That(unknown, Is.Empty);
    }

    [TestCase("EMAILWORKER__RABBITMQ__TLS__CAFILE", true)]
    [TestCase("EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT", true)]
    [TestCase("EMAILWORKER__RABBITMQ__TLS__CAFIEL", false)]
    [TestCase("EMAILWORKER__RABBITMQ__TLS", false)]
    [TestCase("EMAILWORKER__SMTP__HOSTNAME", false)]
    [TestCase("EMAILWORKER__NOSECTION__HOST", false)]
    [TestCase("EMAILWORKER__DASHBOARD__USERS__ALICE__PASSWORDHASH", true)]
    [TestCase("EMAILWORKER__DASHBOARD__USERS__ALICE__PASSWORD", false)]
    [TestCase("EMAILWORKER__DEADLETTERS__DATADIRECTORY", true)]
    public void Should_tell_a_real_option_from_a_misspelt_one(string variable, bool expected) =>
        Assert.That(IsOption(variable), Is.EqualTo(expected));

    [Test]
    public void Should_give_the_worker_longer_to_stop_than_it_drains()
    {
        var drain = DrainTime();
        var pod = (YamlMappingNode)Yaml("deploy/kubernetes/base/deployment.yaml")[0].RootNode;
        var grace = int.Parse(pod["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var unit = Read("deploy/systemd/emailworker.service");
        var timeoutStop = Seconds(TimeoutStopPattern().Match(unit).Groups[1].Value);
        var compose = (YamlMappingNode)Yaml("deploy/compose.yaml")[0].RootNode;
        var composeGrace = Seconds(compose["services"]["worker"]["stop_grace_period"].ToString());

        Assert.Multiple(() =>
        {
            Assert.That(TimeSpan.FromSeconds(grace), Is.GreaterThan(drain), "terminationGracePeriodSeconds");
            Assert.That(timeoutStop, Is.GreaterThan(drain), "TimeoutStopSec");
            Assert.That(composeGrace, Is.GreaterThan(drain), "stop_grace_period");
        });
    }

    /// <summary>
    /// A worker holds a partly delivered message unacked for as long as an alarm blocks its move's confirm: the broker's
    /// default consumer timeout (30 min) would hand it back whole within a long alarm, so the shipped config raises it.
    /// </summary>
    [Test]
    public void Should_give_consumers_six_hours_before_the_broker_times_them_out()
    {
        var setting = Read("deploy/rabbitmq/rabbitmq.conf").Split('\n')
            .Select(line => line.Split('=', 2, StringSplitOptions.TrimEntries))
            .SingleOrDefault(pair => pair.Length == 2 && pair[0] == "consumer_timeout");
        Assert.That(setting, Is.Not.Null, "consumer_timeout is set");
        Assert.That(long.Parse(setting![1], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo((long)TimeSpan.FromHours(6).TotalMilliseconds));
    }

    [TestCase("producer", "write", "email.send", true)]
    [TestCase("producer", "write", "email.send.high", true)] // the lanes' exchanges
    [TestCase("producer", "write", "email.send.bulk", true)]
    [TestCase("producer", "write", "email.send.other", false)]
    [TestCase("producer", "write", "email.dead", false)]
    [TestCase("producer", "read", "email.dead", false)]
    [TestCase("producer", "configure", "email.send", false)]
    [TestCase("worker", "read", "email.send", true)]
    [TestCase("worker", "read", "email.send.high", true)]
    [TestCase("worker", "read", "email.send.bulk", true)]
    [TestCase("worker", "write", "email.send.high", true)] // a return to the high lane's work queue
    [TestCase("worker", "read", "email.dead", true)] // emailworker run ingests the dead letters into the store
    [TestCase("worker", "write", "email.retry", true)]
    [TestCase("worker", "write", "email.dead", true)]
    [TestCase("worker", "write", "email.events", true)]
    [TestCase("worker", "write", "email.send", true)]
    [TestCase("worker", "write", "email.sender", false)]
    [TestCase("worker", "configure", "email.send", false)]
    [TestCase("operator", "read", "email.dead", true)]
    [TestCase("operator", "read", "email.send", false)]
    [TestCase("operator", "write", "email.send", true)]
    [TestCase("operator", "write", "email.send.bulk", true)] // a replay back to the letter's lane
    [TestCase("operator", "write", "email.dead", false)]
    [TestCase("operator", "write", "email.events", true)] // the email.replayed events of a replay
    [TestCase("monitoring", "read", "email.send", false)]
    [TestCase("monitoring", "write", "email.send", false)]
    public void Should_grant_each_user_only_what_its_component_does(string user, string access, string resource, bool allowed)
    {
        using var definitions = JsonDocument.Parse(Read("deploy/rabbitmq/definitions.json"));
        var permission = definitions.RootElement.GetProperty("permissions").EnumerateArray().Single(p => p.GetProperty("user").GetString() == user);

        // RabbitMQ matches the regular expression anywhere unless anchored; the definitions anchor every pattern.
        var pattern = permission.GetProperty(access).GetString()!;
        Assert.That(Regex.IsMatch(resource, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)), Is.EqualTo(allowed), $"{user} {access} {resource}: '{pattern}'");
    }

    [Test]
    public void Should_give_runtime_users_no_configure_permission_and_no_administrator_tag()
    {
        using var definitions = JsonDocument.Parse(Read("deploy/rabbitmq/definitions.json"));
        var runtime = new[] { "producer", "worker", "operator", "monitoring", "keda" };
        var permissions = definitions.RootElement.GetProperty("permissions").EnumerateArray()
            .Where(p => runtime.Contains(p.GetProperty("user").GetString())).ToList();
        var tags = definitions.RootElement.GetProperty("users").EnumerateArray()
            .Where(u => runtime.Contains(u.GetProperty("name").GetString())).SelectMany(u => u.GetProperty("tags").EnumerateArray().Select(t => t.GetString())).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(permissions, Has.Count.EqualTo(runtime.Length));
            Assert.That(permissions.Select(p => p.GetProperty("configure").GetString()), Is.All.EqualTo("^$"));
            Assert.That(tags, Does.Not.Contain("administrator"));
        });
    }

    [Test]
    public void Should_commit_no_password_hash_and_give_the_deployer_and_keda_no_tag()
    {
        using var definitions = JsonDocument.Parse(Read("deploy/rabbitmq/definitions.json"));
        var users = definitions.RootElement.GetProperty("users").EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            foreach (var user in users)
            {
                var name = user.GetProperty("name").GetString();
                // render-definitions.sh replaces the placeholder with the hash of the deploy-time secret.
                Assert.That(user.GetProperty("password_hash").GetString(), Is.EqualTo($"@secret:{name}@"), $"{name}: a committed hash would be re-imported over a changed password");
            }
            Assert.That(users.Where(u => u.GetProperty("name").GetString() is "deployer" or "keda").SelectMany(u => u.GetProperty("tags").EnumerateArray()), Is.Empty);
            Assert.That(users.Select(u => u.GetProperty("name").GetString()), Does.Not.Contain("admin"), "no administrator in the definitions");
        });
    }

    /// <summary>A duration as the files write it: with a unit (30s), or bare seconds as systemd and Kubernetes take them.</summary>
    private static TimeSpan Seconds(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
        : Duration.TryParse(text, out var value) ? value
        : throw new FormatException($"'{text}' is not a duration");

    /// <summary>Helm templates are not YAML until rendered: scripts/validate-deploy.sh renders and validates them.</summary>
    public static IEnumerable<string> YamlFiles() => Files(".yaml", ".yml").Where(f => !f.StartsWith("deploy/helm/", StringComparison.Ordinal) || !f.Contains("/templates/", StringComparison.Ordinal));

    public static IEnumerable<string> JsonFiles() => Files(".json");

    /// <summary>The drain time the deploy files configure (the default where they set none).</summary>
    private static TimeSpan DrainTime()
    {
        // The kustomize base's ConfigMap is generated from this KEY=VALUE file (configMapGenerator, kustomization.yaml).
        const string key = "EMAILWORKER__HOSTING__SHUTDOWNTIMEOUT=";
        var line = Read("deploy/kubernetes/base/config.env").Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(key, StringComparison.Ordinal));
        return Seconds(line[key.Length..]);
    }

    /// <summary>Whether <c>EMAILWORKER__SECTION__KEY[__SUBKEY]</c> names a settable property of an options section.</summary>
    private static bool IsOption(string variable)
    {
        var parts = variable["EMAILWORKER__".Length..].Split("__");
        var section = OptionSections().FirstOrDefault(t => string.Equals((string)t.GetField("Section")!.GetValue(null)!, parts[0], StringComparison.OrdinalIgnoreCase));
        var type = section;
        for (var i = 1; type is not null && i < parts.Length; i++)
        {
            // A dictionary of options (Dashboard:Users:<name>:…): the next part is any key, then its value's properties.
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }
            var property = type.GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
                return false;
            // An optional setting (bool?: unset follows another) binds like its value type.
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }
        return section is not null && parts.Length > 1 && type is not null
            && (type == typeof(string) || type.IsPrimitive || type.IsEnum);
    }

    private static IEnumerable<Type> OptionSections() =>
        typeof(RabbitMqOptions).Assembly.GetTypes().Where(t => (t.Namespace == typeof(RabbitMqOptions).Namespace || t == typeof(EmailWorker.Dashboard.DashboardOptions))
            && t.GetField("Section") is { IsLiteral: true });

    [GeneratedRegex("EMAILWORKER__[A-Z0-9_]*[A-Z0-9]")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^TimeoutStopSec=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex TimeoutStopPattern();
}
