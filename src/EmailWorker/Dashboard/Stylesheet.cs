namespace EmailWorker.Dashboard;

/// <summary>The dashboard's only stylesheet, served at <c>/dashboard.css</c> (the CSP allows styles from the dashboard itself, no inline ones).</summary>
internal static class Stylesheet
{
    public const string Css = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { background: #1d2330; color: #fff; padding: 8px 16px; }
        nav { background: #e3e7ee; padding: 6px 16px; display: flex; gap: 16px; align-items: center; }
        nav .who { margin-left: auto; color: #555; }
        main { padding: 8px 16px 32px; max-width: 1400px; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
        table { border-collapse: collapse; background: #fff; margin: 8px 0; }
        th, td { border: 1px solid #d5dae3; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eef1f5; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .inline { display: inline; }
        .notice { background: #e8f4ea; border: 1px solid #9cc7a4; padding: 6px 10px; }
        .error { background: #fbeaea; border: 1px solid #d99; padding: 6px 10px; }
        .danger { background: #b3261e; color: #fff; border: 0; padding: 4px 10px; }
        .action { background: #1f5fbf; color: #fff; border: 0; padding: 4px 10px; }
        form.filters input, form.filters select { margin-right: 8px; }
        pre { background: #fff; border: 1px solid #d5dae3; padding: 8px; white-space: pre-wrap; word-break: break-word; max-height: 400px; overflow: auto; }
        iframe.body { width: 100%; height: 320px; border: 1px solid #d5dae3; background: #fff; }
        dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; } dt { font-weight: 600; } dd { margin: 0; }
        progress { width: 320px; }
        td.reason { max-width: 420px; word-break: break-word; }
        table.diff td { font-family: monospace; white-space: pre-wrap; word-break: break-word; } tr.removed { background: #fbeaea; } tr.added { background: #eaf6ea; }
        form.edit textarea, form.edit input[type=text] { width: 100%; box-sizing: border-box; }
        svg.chart { background: #fff; border: 1px solid #d5dae3; max-width: 100%; height: auto; }
        svg.chart text { font-size: 11px; fill: #1d2330; } svg.chart text.scale, svg.chart text.axis { fill: #667; }
        svg.chart line.base { stroke: #d5dae3; } svg.chart rect.gap { fill: #f0f0f0; }
        svg.chart .delivered { fill: #2e7d32; } svg.chart .deferred { fill: #c77c02; } svg.chart .throttled { fill: #b3261e; }
        svg.chart .dead { fill: #5b2a86; } svg.chart .connections { fill: #1f5fbf; } svg.chart .rate { fill: #00796b; }
        """;
}
