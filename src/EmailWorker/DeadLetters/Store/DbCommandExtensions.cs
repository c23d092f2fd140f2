using System.Data.Common;

namespace EmailWorker.DeadLetters.Store;

/// <summary>Small helpers over ADO.NET that both stores' providers share.</summary>
internal static class DbCommandExtensions
{
    public static void Add(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Sets a parameter, adding it on the command's first use (a kept command has it from the last).</summary>
    public static void Set(this DbCommand command, string name, object? value)
    {
        if (command.Parameters.Contains(name))
            command.Parameters[name].Value = value ?? DBNull.Value;
        else
            command.Add(name, value);
    }

    /// <summary>
    /// Sets the parameter at <paramref name="index"/>, adding it as <paramref name="name"/> on the command's first use: for
    /// a kept command whose parameters are always set in the same order, without looking each one up by its name.
    /// </summary>
    public static void SetAt(this DbCommand command, int index, string name, object? value)
    {
        if (index < command.Parameters.Count)
            command.Parameters[index].Value = value ?? DBNull.Value;
        else
            command.Add(name, value);
    }

    /// <summary>Sets <c>@prefix0, @prefix1, …</c> (as named by <see cref="List"/>) to the values.</summary>
    public static void SetList(this DbCommand command, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
            command.Set($"@{prefix}{i}", values[i]);
    }

    /// <summary><c>@prefix0, @prefix1, …</c>: <paramref name="count"/> parameters as an SQL list.</summary>
    public static string List(string prefix, int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{prefix}{i}"));

    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds <c>@prefix0, @prefix1, …</c> for the values and returns them as an SQL list.</summary>
    public static string AddList(this DbCommand command, string prefix, IEnumerable<string> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = $"@{prefix}{names.Count}";
            command.Add(name, value);
            names.Add(name);
        }
        return string.Join(", ", names);
    }

    public static DateTimeOffset Time(this DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
