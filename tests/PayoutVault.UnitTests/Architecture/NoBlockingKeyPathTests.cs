using System.Text.RegularExpressions;

namespace PayoutVault.UnitTests.Architecture;

/// <summary>
/// The key ring and key store never block a thread: a decrypt that meets a key version this replica has not loaded
/// reloads the ring asynchronously (KeyRing.EnsureLoadedAsync). Before, the miss took a lock with Wait() and ran a
/// synchronous query inside async request paths, holding a pool thread for a database round trip.
/// </summary>
public sealed partial class NoBlockingKeyPathTests
{
    [Theory]
    [InlineData("Keys/KeyRing.cs")]
    [InlineData("Keys/KeyStore.cs")]
    [InlineData("Tokens/CardCrypto.cs")]
    public void KeyPath_HasNoBlockingWaitOrSynchronousQuery(string file)
    {
        var text = File.ReadAllText(Path.Combine(SourceTree.ProjectDirectory("PayoutVault.Core"), file));
        var found = Blocking().Matches(text).Select(m => m.Value).ToArray();
        Assert.True(found.Length == 0, $"{file} blocks a thread: {string.Join(", ", found)}");
    }

    [GeneratedRegex(@"\.Wait\(\)|\.Result\b|GetAwaiter\(\)\.GetResult\(\)|\.ExecuteReader\(|\.ExecuteScalar\(|\.ExecuteNonQuery\(|\.Open\(\)")]
    private static partial Regex Blocking();
}
