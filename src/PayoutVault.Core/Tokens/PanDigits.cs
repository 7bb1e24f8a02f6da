using System.Security.Cryptography;

namespace PayoutVault.Core.Tokens;

/// <summary>
/// A card number as ASCII digits in a pinned buffer the vault owns: the GC never moves (and so never copies) it, and
/// Dispose zeroes it. This is the only type that holds a plaintext card number; it has no ToString on purpose.
/// </summary>
public sealed class PanDigits : IDisposable
{
    private readonly byte[] _buffer;
    private bool _disposed;

    private PanDigits(int length)
    {
        _buffer = GC.AllocateUninitializedArray<byte>(length, pinned: true);
    }

    public static PanDigits CopyOf(ReadOnlySpan<byte> digits)
    {
        var pan = new PanDigits(digits.Length);
        digits.CopyTo(pan._buffer);
        return pan;
    }

    internal static PanDigits Allocate(int length) => new(length);

    internal Span<byte> Writable => _buffer;

    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer;
        }
    }

    public int Length => _buffer.Length;

    /// <summary>Shortest card number whose first six digits may be shown or stored beside the last four.</summary>
    public const int MinLengthForBin = 15;

    /// <summary>
    /// The first six digits for display and storage, or "" for a card number under 15 digits: there, BIN and last 4
    /// together leave too few unknown digits (a 12-digit number would have two, one fixed by Luhn), so only the last
    /// 4 are ever shown (PCI DSS 3.4.1 display rule; compliance/tokenization-design.md).
    /// </summary>
    public string Bin => _buffer.Length >= MinLengthForBin ? System.Text.Encoding.ASCII.GetString(_buffer, 0, 6) : "";

    public string Last4 => System.Text.Encoding.ASCII.GetString(_buffer, _buffer.Length - 4, 4);

    public override string ToString() => "PanDigits(redacted)";

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _disposed = true;
    }
}
