using System.Security.Cryptography;

namespace PayoutVault.Core.Keys;

/// <summary>
/// Shamir's secret sharing over GF(2^8) (the AES field, x^8 + x^4 + x^3 + x + 1), byte by byte: a random polynomial
/// of degree k-1 per byte whose constant term is the secret byte, evaluated at x = 1..n. Any k shares give the secret
/// back by Lagrange interpolation at x = 0; k-1 shares say nothing about it. This is split knowledge in the sense of
/// PCI DSS 3.7.6 (cutting a key in two halves is not).
/// </summary>
public static class ShamirSecretSharing
{
    public const int MaxShares = 255;

    /// <summary>Splits <paramref name="secret"/> into <paramref name="shares"/> shares, any <paramref name="threshold"/> of which recover it.</summary>
    /// <returns>Share i (1-based x coordinate = i) at index i-1.</returns>
    public static byte[][] Split(ReadOnlySpan<byte> secret, int threshold, int shares)
    {
        if (threshold < 2) throw new ArgumentOutOfRangeException(nameof(threshold), "at least 2 shares must be needed");
        if (shares < threshold || shares > MaxShares)
            throw new ArgumentOutOfRangeException(nameof(shares), $"between the threshold and {MaxShares}");
        var result = new byte[shares][];
        for (var i = 0; i < shares; i++) result[i] = new byte[secret.Length];
        var coefficients = new byte[threshold];
        try
        {
            for (var b = 0; b < secret.Length; b++)
            {
                coefficients[0] = secret[b];
                RandomNumberGenerator.Fill(coefficients.AsSpan(1));
                for (var i = 0; i < shares; i++) result[i][b] = Evaluate(coefficients, (byte)(i + 1));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(coefficients);
        }
        return result;
    }

    /// <summary>Recovers the secret from shares given as (x, y); the caller checks that there are at least k of them.</summary>
    public static byte[] Combine(IReadOnlyList<(byte X, byte[] Y)> shares)
    {
        if (shares.Count == 0) throw new ArgumentException("no shares", nameof(shares));
        var length = shares[0].Y.Length;
        if (shares.Any(s => s.Y.Length != length)) throw new ArgumentException("shares differ in length", nameof(shares));
        if (shares.Any(s => s.X == 0) || shares.Select(s => s.X).Distinct().Count() != shares.Count)
            throw new ArgumentException("share indexes must be distinct and non-zero", nameof(shares));

        // Lagrange basis at x = 0: l_i = prod_{j != i} x_j / (x_j - x_i); in GF(2^8) subtraction is XOR.
        var basis = new byte[shares.Count];
        for (var i = 0; i < shares.Count; i++)
        {
            byte num = 1, den = 1;
            for (var j = 0; j < shares.Count; j++)
            {
                if (j == i) continue;
                num = Multiply(num, shares[j].X);
                den = Multiply(den, (byte)(shares[j].X ^ shares[i].X));
            }
            basis[i] = Multiply(num, Inverse(den));
        }
        var secret = new byte[length];
        for (var b = 0; b < length; b++)
        {
            byte value = 0;
            for (var i = 0; i < shares.Count; i++) value ^= Multiply(shares[i].Y[b], basis[i]);
            secret[b] = value;
        }
        return secret;
    }

    private static byte Evaluate(ReadOnlySpan<byte> coefficients, byte x)
    {
        byte y = 0;
        for (var c = coefficients.Length - 1; c >= 0; c--) y = (byte)(Multiply(y, x) ^ coefficients[c]); // Horner
        return y;
    }

    /// <summary>Carry-less multiplication modulo the AES polynomial, without table lookups indexed by secret bytes.</summary>
    internal static byte Multiply(byte a, byte b)
    {
        var product = 0;
        int x = a, y = b;
        for (var i = 0; i < 8; i++)
        {
            product ^= -(y & 1) & x;
            var carry = -((x >> 7) & 1) & 0x1B;
            x = ((x << 1) ^ carry) & 0xFF;
            y >>= 1;
        }
        return (byte)product;
    }

    /// <summary>a^254 = a^-1 in GF(2^8) (a != 0).</summary>
    internal static byte Inverse(byte a)
    {
        byte result = 1, power = a;
        for (var e = 254; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) result = Multiply(result, power);
            power = Multiply(power, power);
        }
        return result;
    }
}
