using System.Text.Json;
using EmailWorker.DeadLetters.Store;
using EmailWorker.DeadLetters.Views;

namespace EmailWorker.Cli.DeadLetters;

/// <summary>
/// The two files of an exported letter in <paramref name="directory"/>, named by its letter id alone (32 hex digits: no
/// producer's text reaches a file name). Each is written under a temporary name and moved to its own without overwriting, so
/// a file there is whole, and one that exists — an earlier export, another operator's file — is never replaced.
/// </summary>
internal sealed class ExportFiles(string directory)
{
    /// <summary>Writes the letter's files; false, touching nothing, when either exists already.</summary>
    public bool Write(DeadLetter letter)
    {
        if (!LetterSelection.IsLetterId(letter.LetterId))
            throw new InvalidOperationException($"'{letter.LetterId}' is not a letter id: no file is named by it");
        var body = Path.Combine(directory, $"{letter.LetterId}.body");
        var properties = Path.Combine(directory, $"{letter.LetterId}.properties.json");
        if (File.Exists(body) || File.Exists(properties))
            return false;
        var content = letter.LoadedContent;
        if (!content.IsWholeBody)
            throw new InvalidOperationException($"letter {letter.LetterId} was read with part of its body only");
        WriteNew(body, stream => stream.Write(content.Body));
        WriteNew(properties, stream => JsonSerializer.Serialize(stream, RawLetter.From(letter), ViewJsonContext.Default.RawLetter));
        return true;
    }

    /// <summary>A file that appeared since the check (another export at once) makes the move throw: it is still not overwritten.</summary>
    private static void WriteNew(string path, Action<Stream> write)
    {
        var partial = $"{path}.{Environment.ProcessId}.partial";
        try
        {
            using (var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(partial, path, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
