using System.Collections.Concurrent;
using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// One signer and one verifier shared by many threads at once, as 64 concurrent payouts share them: every signature
/// must still be the exact bytes of the single-threaded one (PKCS#1 v1.5 is deterministic), verify, and a sample
/// of them must verify with the openssl CLI.
/// </summary>
public sealed class ConcurrentSignatureTests
{
    private const int Threads = 32;
    private const int PerThread = 40;

    private readonly TestKeys _keys = TestKeys.Shared;

    [Fact]
    public void Many_threads_signing_and_verifying_at_once_give_the_single_threaded_bytes()
    {
        using var signer = _keys.PartnerSigner();
        using var verifier = Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic);
        var bodies = Enumerable.Range(0, Threads * PerThread)
            .Select(i => Encoding.UTF8.GetBytes($"{{\"payout\":{i},\"amount\":{1000 + i}}}"))
            .ToArray();
        var expected = bodies.Select(b => signer.Sign(b)).ToArray();

        var signatures = new string[bodies.Length];
        var failures = new ConcurrentQueue<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var k = 0; k < PerThread; k++)
            {
                var i = t * PerThread + k;
                signatures[i] = signer.Sign(bodies[i]);
                if (!verifier.Verify(bodies[i], signatures[i])) failures.Enqueue($"body {i} did not verify");
                // A neighbour's signature over this body must fail even while others verify at the same moment.
                if (verifier.Verify(bodies[i], expected[(i + 1) % bodies.Length])) failures.Enqueue($"body {i} took a foreign signature");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Empty(failures);
        Assert.Equal(expected, signatures);

        foreach (var i in new[] { 0, 1, PerThread, bodies.Length / 2, bodies.Length - 1 })
        {
            var bodyFile = _keys.NewFile(".bin");
            var sigFile = _keys.NewFile(".sig");
            File.WriteAllBytes(bodyFile, bodies[i]);
            File.WriteAllBytes(sigFile, Convert.FromBase64String(signatures[i]));
            var result = OpenSsl.Run("dgst", "-sha256", "-verify", _keys.PartnerPublic, "-signature", sigFile, bodyFile);
            Assert.True(result.ExitCode == 0, $"openssl refused the signature of body {i}: {result.StdErr}");
        }
    }

    [Fact]
    public void A_disposed_signer_refuses_to_sign()
    {
        var signer = _keys.PartnerSigner();
        Assert.NotEmpty(signer.Sign("{}"u8));
        signer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => signer.Sign("{}"u8));
    }
}
