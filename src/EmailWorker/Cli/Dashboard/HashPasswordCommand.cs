using System.CommandLine;
using System.Text;
using EmailWorker.Diagnostics;
using EmailWorker.Dashboard;

namespace EmailWorker.Cli.Dashboard;

/// <summary>
/// <c>emailworker dashboard hash-password</c>: reads a password from standard input (typed without echo on a terminal,
/// never as an argument, so it stays out of shell history and process lists) and prints its hash for <c>Dashboard:Users</c>.
/// </summary>
internal static class HashPasswordCommand
{
    private const int MinLength = 12;

    public static Command Create()
    {
        var command = new Command("hash-password", "Read a password from standard input and print the hash to put in Dashboard:Users:<name>:PasswordHash.");
        command.SetAction(async (_, cancellationToken) =>
        {
            var password = Console.IsInputRedirected ? await Console.In.ReadLineAsync(cancellationToken) ?? "" : ReadHidden();
            if (password.Length < MinLength)
            {
                await Console.Error.WriteLineAsync($"emailworker: the password must have at least {MinLength} characters");
                return ExitCodes.Usage;
            }
            await Console.Out.WriteLineAsync(PasswordHashes.Hash(password));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ReadHidden()
    {
        Console.Error.Write("Password: ");
        var password = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
                password.Length--;
            else if (!char.IsControl(key.KeyChar))
                password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
