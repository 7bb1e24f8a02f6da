using System.Security.Cryptography;

namespace PayoutVault.Cli.Import;

/// <summary>
/// One row of the input: its line number (1-based, physical lines, header included) and either the card number's
/// bytes and optional expiry, or why the row cannot be sent. The card number stays in a byte array the importer
/// zeroes once sent; it is never turned into a string, so no copy of it lingers on the heap.
/// </summary>
internal sealed class CardRow(long line, byte[] pan, int? month, int? year, string? problem)
{
    public long Line { get; } = line;
    public byte[] Pan { get; } = pan;
    public int? ExpMonth { get; } = month;
    public int? ExpYear { get; } = year;

    /// <summary>Why the row was refused before sending; a fixed text that never quotes the row.</summary>
    public string? Problem { get; } = problem;

    public void Wipe() => CryptographicOperations.ZeroMemory(Pan);

    public override string ToString() => $"CardRow(line {Line})";
}

/// <summary>
/// Reads "PAN,expiry" rows from a file as bytes: a line is split at its first comma, fields are trimmed of spaces and
/// surrounding double quotes, and the expiry may be empty, MM/YY, MM/YYYY or YYYY-MM. Blank lines are skipped, and so
/// is a first line whose first field holds no digit (a header). The card number is not checked here: the vault
/// validates it and says precisely what is wrong.
/// </summary>
internal static class CardFileReader
{
    public static IEnumerable<CardRow> Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        var line = new List<byte>(64);
        long number = 0;
        var sawContent = false;
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    line.Add(buffer[i]);
                    continue;
                }
                number++;
                if (Parse(number, line, ref sawContent) is { } row) yield return row;
                Clear(line);
            }
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, read));
        }
        if (line.Count > 0)
        {
            number++;
            if (Parse(number, line, ref sawContent) is { } row) yield return row;
            Clear(line);
        }
    }

    /// <summary>Counts lines without parsing them, for the progress bar.</summary>
    public static long CountLines(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        long lines = 0, total = 0;
        var last = (byte)'\n';
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
            total += read;
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, read));
        }
        return total > 0 && last != (byte)'\n' ? lines + 1 : lines;
    }

    private static CardRow? Parse(long number, List<byte> bytes, ref bool sawContent)
    {
        var text = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        if (text.Length > 0 && text[^1] == (byte)'\r') text = text[..^1];
        if (Trim(text).IsEmpty) return null;
        var comma = text.IndexOf((byte)',');
        var panField = Trim(comma < 0 ? text : text[..comma]);
        var expiryField = comma < 0 ? [] : Trim(text[(comma + 1)..]);
        var first = !sawContent;
        sawContent = true;
        if (first && panField.IndexOfAnyInRange((byte)'0', (byte)'9') < 0) return null; // a header row

        if (expiryField.IndexOf((byte)',') >= 0)
            return Refused(number, "a row holds a card number and an expiry only (PAN,expiry)");
        if (panField.IsEmpty) return Refused(number, "the card number is missing");
        if (!TryExpiry(expiryField, out var month, out var year))
            return Refused(number, "the expiry must be empty, MM/YY, MM/YYYY or YYYY-MM");
        return new CardRow(number, panField.ToArray(), month, year, null);
    }

    private static CardRow Refused(long number, string problem) => new(number, [], null, null, problem);

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> field)
    {
        field = field.Trim((byte)' ').Trim((byte)'\t');
        if (field.Length >= 2 && field[0] == (byte)'"' && field[^1] == (byte)'"') field = field[1..^1].Trim((byte)' ');
        return field;
    }

    private static bool TryExpiry(ReadOnlySpan<byte> field, out int? month, out int? year)
    {
        month = year = null;
        if (field.IsEmpty) return true;
        int m, y;
        if (field.Length is 5 or 7 && field[2] == (byte)'/' && Digits(field[..2], out m) && Digits(field[3..], out y))
        {
            month = m;
            year = field.Length == 5 ? 2000 + y : y;
            return true;
        }
        if (field.Length == 7 && field[4] == (byte)'-' && Digits(field[..4], out y) && Digits(field[5..], out m))
        {
            month = m;
            year = y;
            return true;
        }
        return false;
    }

    private static bool Digits(ReadOnlySpan<byte> field, out int value)
    {
        value = 0;
        foreach (var b in field)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return field.Length > 0;
    }

    private static void Clear(List<byte> line)
    {
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line));
        line.Clear();
    }
}
