using System.Reflection;
using System.Text.RegularExpressions;

namespace EmailWorker.Tests;

/// <summary>
/// The worker's sources (embedded in this assembly) read as a graph of namespaces: each file's <c>namespace</c>, its
/// <c>using</c> directives and any <c>EmailWorker.*</c> name written out in code. Dependencies between the top-level parts
/// run one way, down the layers of the Repository layout (docs/design.md); no namespace depends on itself through others; the
/// broker's client library, the command line, ASP.NET Core and the console are used only where that layout says.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed partial class NamespaceDependencyTests
{
    /// <summary>Top to bottom; a part may use any part of a lower layer and none of a higher one.</summary>
    private static readonly string[][] Layers =
    [
        ["Program"],
        ["Cli"],
        ["Hosting", "Dashboard"],
        ["Worker", "DeadLetters"],
        ["Broker", "Routing", "Webhooks", "Scheduling"],
        ["Messages", "Outcomes", "Delivery"],
        ["Smtp"],
        ["Diagnostics", "Configuration"],
    ];

    /// <summary>The uses allowed inside one layer (each one way; the cycle check keeps them so).</summary>
    private static readonly HashSet<(string From, string To)> SameLayer =
    [
        ("Broker", "Routing"),
        ("Broker", "Webhooks"),
        ("Messages", "Outcomes"),
        ("Outcomes", "Delivery"),
        ("Diagnostics", "Configuration"),
    ];

    /// <summary>
    /// Where RabbitMQ.Client may be used: the broker's own part, the dead-letter ingest (it consumes on a connection of its
    /// own), the composition root (the client's activity source names for tracing) and the CLI (broker errors told as exit
    /// codes; <c>topology</c>). The replay publishes through the broker's mover and status-event publisher only.
    /// </summary>
    private static readonly string[] RabbitMqUsers = ["Broker", "DeadLetters.Ingest", "Hosting", "Cli"];

    /// <summary>
    /// In the worker, only the consumer itself: its channel and subscription, and the acks on that channel. It converts each
    /// delivery into a <c>Messages.IncomingMessage</c> (<c>Broker.DeliveredMessage</c>); the handler, the plan's executor,
    /// the span and the planner see no broker type.
    /// </summary>
    private static readonly string[] RabbitMqFiles =
    [
        "Worker/WorkQueueConsumer.cs", "Worker/WorkQueueConsumer.Deliveries.cs", "Worker/WorkQueueConsumer.Pausing.cs", // one type in three files
        "Worker/WorkQueueBasicConsumer.cs", "Worker/DeliverySettler.cs",
    ];

    /// <summary>
    /// The front ends. Hosting is the one exception below them for ASP.NET Core: the worker's <c>/metrics</c> and health
    /// listener (Observability:Urls) is a Kestrel web application built by the composition root.
    /// </summary>
    private static readonly Dictionary<string, string[]> FrameworkUsers = new()
    {
        ["System.CommandLine"] = ["Program", "Cli", "Dashboard"],
        ["Microsoft.AspNetCore"] = ["Program", "Cli", "Dashboard", "Hosting"],
    };

    /// <summary>The front ends that may use <see cref="Console"/>: the command line writes its output and notes there.</summary>
    private static readonly string[] ConsoleUsers = ["Program", "Cli"];

    /// <summary>
    /// Below the front ends, only the worker's buffered log sink (it writes the log to standard output in batches). Every other
    /// part reports to its caller (e.g. a replay's <c>IProgress</c>) or logs: a dashboard's replay runs inside the web process.
    /// </summary>
    private static readonly string[] ConsoleFiles = ["Diagnostics/BufferedConsoleSink.cs"];

    private static readonly Assembly Assembly = typeof(NamespaceDependencyTests).Assembly;

    private static readonly Lazy<IReadOnlyList<SourceFile>> Sources = new(ReadSources);

    private sealed record SourceFile(string Path, string Namespace, IReadOnlySet<string> Uses, bool UsesConsole)
    {
        /// <summary>The top-level part: the first name after <c>EmailWorker</c>, or Program for the root namespace.</summary>
        public string Part => PartOf(Namespace);
    }

    [Test]
    public void Should_find_the_worker_sources()
    {
        Assert.That(Sources.Value, Has.Count.GreaterThan(100));
        Assert.That(Sources.Value.Where(s => s.Namespace == "EmailWorker").Select(s => s.Path), Is.EquivalentTo(new[] { "Program.cs" }),
            "only Program lives in the root namespace: every other namespace sees its types without a using");
    }

    [Test]
    public void Should_keep_every_file_in_a_known_part_and_its_folder()
    {
        var known = Layers.SelectMany(l => l).ToHashSet();
        Assert.Multiple(() =>
        {
            foreach (var source in Sources.Value)
            {
                Assert.That(known, Does.Contain(source.Part), $"{source.Path}: namespace {source.Namespace} is in no layer");
                var folder = System.IO.Path.GetDirectoryName(source.Path)!.Replace('/', '.');
                Assert.That(source.Namespace, Is.EqualTo(folder.Length == 0 ? "EmailWorker" : $"EmailWorker.{folder}"),
                    $"{source.Path}: the namespace follows the folder");
            }
        });
    }

    [Test]
    public void Should_depend_only_downwards_between_parts()
    {
        var layer = Layers.SelectMany((parts, index) => parts.Select(part => (part, index))).ToDictionary(p => p.part, p => p.index);
        var wrong = (
            from source in Sources.Value
            from used in source.Uses
            let to = PartOf(used)
            where to != source.Part && layer.ContainsKey(source.Part) && layer.ContainsKey(to)
            where layer[to] < layer[source.Part] || (layer[to] == layer[source.Part] && !SameLayer.Contains((source.Part, to)))
            select $"{source.Path} ({source.Part}) uses {used}").ToList();
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Should_have_no_cycle_between_parts() =>
        Assert.That(Cycles(Graph(PartOf)), Is.Empty);

    [Test]
    public void Should_have_no_cycle_between_namespaces() =>
        Assert.That(Cycles(Graph(ns => ns)), Is.Empty);

    [Test]
    public void Should_use_RabbitMQ_Client_only_in_the_broker_facing_parts()
    {
        var wrong = Sources.Value
            .Where(s => s.Uses.Any(u => u.StartsWith("RabbitMQ.Client", StringComparison.Ordinal)))
            .Where(s => !RabbitMqUsers.Any(allowed => Within(s.Namespace, allowed)) && !RabbitMqFiles.Contains(s.Path))
            .Select(s => $"{s.Path} ({s.Namespace})").ToList();
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Should_allow_RabbitMQ_Client_by_file_only_where_it_is_used() =>
        Assert.That(RabbitMqFiles.Where(path => Sources.Value.SingleOrDefault(s => s.Path == path) is not { } source
                || !source.Uses.Any(u => u.StartsWith("RabbitMQ.Client", StringComparison.Ordinal))), Is.Empty,
            "an allowance for a file that is gone or no longer uses the client would only widen the rule");

    [TestCase("System.CommandLine")]
    [TestCase("Microsoft.AspNetCore")]
    public void Should_use_a_front_end_framework_only_in_the_front_ends(string framework)
    {
        var wrong = Sources.Value
            .Where(s => s.Uses.Any(u => u == framework || u.StartsWith(framework + ".", StringComparison.Ordinal)))
            .Where(s => !FrameworkUsers[framework].Contains(s.Part))
            .Select(s => $"{s.Path} ({s.Namespace})").ToList();
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Should_use_the_console_only_in_the_front_ends()
    {
        var wrong = Sources.Value
            .Where(s => s.UsesConsole && !ConsoleUsers.Contains(s.Part) && !ConsoleFiles.Contains(s.Path))
            .Select(s => $"{s.Path} ({s.Namespace})").ToList();
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Should_allow_the_console_by_file_only_where_it_is_used() =>
        Assert.That(ConsoleFiles.Where(path => Sources.Value.SingleOrDefault(s => s.Path == path) is not { UsesConsole: true }), Is.Empty,
            "an allowance for a file that is gone or no longer uses the console would only widen the rule");

    [Test]
    public void Should_see_a_use_of_the_console()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConsoleUse().IsMatch(Code("await Console.Error.WriteLineAsync(\"x\");")), Is.True);
            Assert.That(ConsoleUse().IsMatch(Code("var w = System.Console.Out;")), Is.True);
            Assert.That(ConsoleUse().IsMatch(Code("using static System.Console;")), Is.True);
            Assert.That(ConsoleUse().IsMatch(Code("// Console.Error in a comment\nvar s = \"Console.Out\";")), Is.False, "comments and text are no use");
            Assert.That(ConsoleUse().IsMatch(Code("logger.WriteTo.Console(formatter);")), Is.False, "Serilog's console sink is a log target, configured in Diagnostics");
            Assert.That(ConsoleUse().IsMatch(Code("var sink = new BufferedConsoleSink(f); ConsoleSink.X();")), Is.False);
        });
    }

    private static bool Within(string ns, string part) =>
        ns == $"EmailWorker.{part}" || ns.StartsWith($"EmailWorker.{part}.", StringComparison.Ordinal);

    private static string PartOf(string ns) =>
        ns == "EmailWorker" ? "Program" : ns.StartsWith("EmailWorker.", StringComparison.Ordinal) ? ns["EmailWorker.".Length..].Split('.')[0] : ns;

    /// <summary>Namespace-to-namespace uses inside the worker (other assemblies' namespaces left out), grouped by <paramref name="key"/>.</summary>
    private static Dictionary<string, HashSet<string>> Graph(Func<string, string> key)
    {
        var own = Sources.Value.Select(s => s.Namespace).ToHashSet();
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var source in Sources.Value)
        {
            var from = key(source.Namespace);
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            // A namespace sees the types of its enclosing namespaces without a using (the root holds only Program).
            var enclosing = Enumerable.Range(1, Math.Max(0, source.Namespace.Count(c => c == '.') - 1))
                .Select(n => string.Join('.', source.Namespace.Split('.').Take(n + 1)));
            foreach (var used in source.Uses.Select(u => Resolve(u, own)).OfType<string>().Concat(enclosing).Select(key).Where(to => to != from))
                edges.Add(used);
        }
        return graph;
    }

    /// <summary>The longest of the worker's namespaces that <paramref name="name"/> starts with; null for other assemblies' names.</summary>
    private static string? Resolve(string name, HashSet<string> own)
    {
        for (var candidate = name; candidate.Length > 0; candidate = candidate.LastIndexOf('.') is > 0 and var dot ? candidate[..dot] : "")
        {
            if (own.Contains(candidate) && candidate != "EmailWorker")
                return candidate;
        }
        return null;
    }

    /// <summary>Each strongly connected group of more than one node, as "A → B → A" text (Tarjan's algorithm).</summary>
    private static List<string> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<string>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (index.TryGetValue(next, out var seen))
                {
                    if (stack.Contains(next))
                        low[node] = Math.Min(low[node], seen);
                }
                else
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
            }
            if (low[node] != index[node])
                return;
            var group = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                group.Add(member);
            } while (member != node);
            if (group.Count > 1)
                cycles.Add(string.Join(" ↔ ", group.Order(StringComparer.Ordinal)));
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
                Visit(node);
        }
        return cycles;
    }

    private static List<SourceFile> ReadSources()
    {
        var files = new List<SourceFile>();
        foreach (var resource in Assembly.GetManifestResourceNames().Where(n => n.StartsWith("source/", StringComparison.Ordinal)))
        {
            using var stream = Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var code = Code(reader.ReadToEnd());
            var ns = NamespaceLine().Match(code) is { Success: true } match ? match.Groups[1].Value : "";
            var uses = UsingLine().Matches(code).Select(m => m.Groups[1].Value)
                .Concat(QualifiedName().Matches(code).Select(m => m.Groups[1].Value))
                .ToHashSet();
            files.Add(new SourceFile(resource["source/".Length..], ns, uses, ConsoleUse().IsMatch(code)));
        }
        return files;
    }

    /// <summary>The code without comments and string literals, so a name in prose or text is no dependency.</summary>
    private static string Code(string text) => StringLiteral().Replace(Comment().Replace(text, ""), "\"\"");

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    /// <summary><c>using X;</c>, <c>using static X.Y;</c> and <c>using Alias = X.Y;</c> (the alias's target).</summary>
    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    /// <summary>A name written out in code, e.g. <c>EmailWorker.Broker.TopologyDeclarer</c>: its namespace is resolved in <see cref="Graph"/>.</summary>
    [GeneratedRegex(@"(?<![\w.])((?:EmailWorker|RabbitMQ|System\.CommandLine|Microsoft\.AspNetCore)(?:\.\w+)+)")]
    private static partial Regex QualifiedName();

    /// <summary><c>Console.</c> or <c>System.Console</c> as code (<c>System.Console</c> also in <c>using static</c>); not <c>WriteTo.Console(</c>.</summary>
    [GeneratedRegex(@"(?<![\w.])(?:System\.Console\b|Console\.)")]
    private static partial Regex ConsoleUse();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
