using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Keys.Hsm;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Keys.Hsm;

/// <summary>
/// The PKCS#11 session pool under concurrency: many threads wrapping and unwrapping through two sessions, while the
/// library is re-initialised under them (what recovery from a lost token does), all get their own key back; a wrapped
/// key under the wrong context is a bad row (KeyConfigurationException), not an unavailable token.
/// </summary>
[Collection(SoftHsmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HsmSessionPoolTests
{
    [Fact]
    public async Task WrapAndUnwrap_FromEightThreadsOnTwoSessions_WhileTheLibraryIsReinitialised_AllRoundTrip()
    {
        var token = SoftHsm.CreateToken();
        var (label, checkValue) = await HsmKit.InitKeyAsync(token);
        var options = token.Options(label);
        options.MaxSessions = 2;
        using var key = Pkcs11MasterKey.Open(options);
        Assert.Equal(checkValue, key.CheckValue);

        var failures = new ConcurrentQueue<string>();
        var done = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                var material = RandomNumberGenerator.GetBytes(32);
                var context = Encoding.UTF8.GetBytes($"payoutvault/key/data/{w}/{i}");
                try
                {
                    var wrapped = key.Wrap(material, context);
                    if (!key.Unwrap(wrapped, context).AsSpan().SequenceEqual(material)) failures.Enqueue($"{w}/{i}: another key came back");
                    Interlocked.Increment(ref done);
                }
                catch (Exception e)
                {
                    failures.Enqueue($"{w}/{i}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();

        var module = Pkcs11Module.Acquire(SoftHsm.ModulePath);
        try
        {
            for (var n = 0; n < 3; n++)
            {
                await Task.Delay(40);
                Assert.True(module.Reinitialize(module.Generation));
            }
        }
        finally
        {
            module.Release();
        }
        await Task.WhenAll(workers);

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.Equal(8 * 40, done);
        var sealedKey = key.Wrap(RandomNumberGenerator.GetBytes(32), "payoutvault/key/data/1/mk"u8);
        Assert.Throws<KeyConfigurationException>(() => key.Unwrap(sealedKey, "payoutvault/key/data/2/mk"u8));
        Assert.Null(key.Probe());
    }
}
