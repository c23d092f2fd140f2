namespace EmailWorker.DeadLetters.Store;

/// <summary>The dashboard's key ring: elements are only added (data protection revokes a key by adding an element).</summary>
internal abstract partial class SqlDeadLetterStore
{
    public async Task<IReadOnlyList<string>> ReadDashboardKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command("SELECT xml FROM dashboard_keys ORDER BY stored_at, name");
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(reader.GetString(0));
        return keys;
    }

    public async Task StoreDashboardKeyAsync(string name, string xml, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO dashboard_keys (name, xml, stored_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING");
        command.Add("@name", name);
        command.Add("@xml", xml);
        command.Add("@at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
