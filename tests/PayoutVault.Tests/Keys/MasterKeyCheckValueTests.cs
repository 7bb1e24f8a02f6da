using System.Diagnostics;
using System.Security.Cryptography;
using PayoutVault.Core.Keys;

namespace PayoutVault.Tests.Keys;

/// <summary>
/// The master key check value (first 3 bytes of AES-256-ECB over a zero block) agrees with openssl computing the same
/// thing, and computing it leaves the caller's key material as it was. The computation no longer copies the key into
/// a managed array of its own (Aes.SetKey takes the span), so no unzeroed copy outlives the call.
/// </summary>
public sealed class MasterKeyCheckValueTests
{
    [Fact]
    public async Task CheckValue_MatchesOpenSsl_AndLeavesTheMaterialUntouched()
    {
        var material = RandomNumberGenerator.GetBytes(MasterKey.KeySizeBytes);
        var copy = material.ToArray();

        using var key = MasterKey.FromBytes("kcv-test", material);

        Assert.Equal(await OpenSslCheckValueAsync(material), key.CheckValue);
        Assert.Equal(copy, material);
    }

    private static async Task<string> OpenSslCheckValueAsync(byte[] material)
    {
        var psi = new ProcessStartInfo("openssl", ["enc", "-aes-256-ecb", "-nopad", "-K", Convert.ToHexString(material)])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        await process.StandardInput.BaseStream.WriteAsync(new byte[16]);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return Convert.ToHexString(output.ToArray(), 0, 3);
    }
}
