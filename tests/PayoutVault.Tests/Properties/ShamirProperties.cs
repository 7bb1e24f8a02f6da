using CsCheck;
using PayoutVault.Core.Keys;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// Shamir split/combine over GF(2^8): any k of the n shares, in any order, give the secret back; any k-1 shares are
/// consistent with every possible secret (for each secret byte, each candidate value is reached by exactly one value
/// of a missing share), so they reveal nothing about it.
/// </summary>
public sealed class ShamirProperties
{
    private static readonly Gen<(byte[] Secret, int K, int N)> Splits =
        from secret in Gen.Byte.Array[1, 48]
        from n in Gen.Int[2, 12]
        from k in Gen.Int[2, n]
        select (secret, k, n);

    [Fact]
    public void AnyKOfTheNShares_InAnyOrder_RecoverTheSecret()
    {
        var gen = from split in Splits
                  from chosen in Gen.Int[split.K, split.N].SelectMany(m => Gen.Shuffle(Enumerable.Range(1, split.N).ToArray(), m))
                  select (split.Secret, split.K, split.N, chosen);
        gen.Sample((secret, k, n, chosen) =>
        {
            var shares = ShamirSecretSharing.Split(secret, k, n);
            Assert.Equal(n, shares.Length);
            Assert.All(shares, s => Assert.Equal(secret.Length, s.Length));
            var picked = chosen.Select(x => ((byte)x, shares[x - 1])).ToList();
            Assert.Equal(secret, ShamirSecretSharing.Combine(picked));
        }, iter: 1_000);
    }

    [Fact]
    public void AnyKMinus1Shares_AreConsistentWithEverySecret()
    {
        var gen = from secret in Gen.Byte.Array[1, 8]
                  from n in Gen.Int[2, 8]
                  from k in Gen.Int[2, n]
                  from known in Gen.Shuffle(Enumerable.Range(1, n).ToArray(), k - 1)
                  from missingX in Gen.Int[1, 255].Where(x => !known.Contains(x))
                  select (secret, k, n, known, missingX);
        gen.Sample((secret, k, n, known, missingX) =>
        {
            var shares = ShamirSecretSharing.Split(secret, k, n);
            var seen = new HashSet<byte>[secret.Length];
            for (var b = 0; b < secret.Length; b++) seen[b] = [];
            // Complete the k-1 known shares with every possible value of one more share.
            for (var y = 0; y < 256; y++)
            {
                var guess = known.Select(x => ((byte)x, shares[x - 1])).ToList();
                guess.Add(((byte)missingX, Enumerable.Repeat((byte)y, secret.Length).ToArray()));
                var candidate = ShamirSecretSharing.Combine(guess);
                for (var b = 0; b < secret.Length; b++) seen[b].Add(candidate[b]);
            }
            Assert.All(seen, values => Assert.Equal(256, values.Count));
        }, iter: 150);
    }

    [Fact]
    public void Split_RefusesAThresholdBelow2_MoreSharesThan255_OrFewerSharesThanTheThreshold()
    {
        Gen.Select(Gen.Int[-3, 300], Gen.Int[-3, 300]).Sample((k, n) =>
        {
            var valid = k >= 2 && n >= k && n <= ShamirSecretSharing.MaxShares;
            try
            {
                ShamirSecretSharing.Split([42], k, n);
                return valid;
            }
            catch (ArgumentOutOfRangeException)
            {
                return !valid;
            }
        }, iter: 1_000);
    }
}
