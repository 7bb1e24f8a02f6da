using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using PayoutVault.Core.Keys.Hsm;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>A token made by softhsm2-util, with its user PIN in a mode-0600 file.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed record SoftHsmToken(string Label, string Pin, string PinFile, string SoPin, string Directory)
{
    /// <summary>Token options for the vault, vaultctl's --hsm-* options and the key generator.</summary>
    public Pkcs11Options Options(string? keyLabel = null) => new()
    {
        ModulePath = SoftHsm.ModulePath, TokenLabel = Label, PinFile = PinFile, KeyLabel = keyLabel,
    };

    /// <summary>Vault settings selecting this token's key as the master key (and dropping the test key file).</summary>
    public Dictionary<string, string> VaultSettings(string keyLabel) => new()
    {
        ["Vault:Keys:MasterKeyFile"] = "",
        ["Vault:Keys:Pkcs11:ModulePath"] = SoftHsm.ModulePath,
        ["Vault:Keys:Pkcs11:TokenLabel"] = Label,
        ["Vault:Keys:Pkcs11:PinFile"] = PinFile,
        ["Vault:Keys:Pkcs11:KeyLabel"] = keyLabel,
    };

    /// <summary>vaultctl's token options.</summary>
    public string[] CliArgs() => ["--hsm-module", SoftHsm.ModulePath, "--hsm-token", Label, "--hsm-pin-file", PinFile];
}

/// <summary>
/// SoftHSM2 for the tests: one configuration per test process (SOFTHSM2_CONF pointing at a softhsm2.conf whose
/// directories.tokendir is a private temporary folder), tokens initialised there by softhsm2-util. The library reads
/// SOFTHSM2_CONF when it is initialised, from the native environment, so the variable is set there as well as in
/// .NET's copy (which child processes such as vaultctl inherit). PKCS#11 initialisation is process-wide and SoftHSM2
/// sees tokens made after it only when re-initialised, so tests using it share <see cref="SoftHsmCollection"/> and
/// run one after another.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class SoftHsm
{
    private static readonly Lazy<string> Folder = new(Configure);

    public static string ModulePath { get; } = new[]
    {
        "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    }.FirstOrDefault(File.Exists) ?? "/usr/lib/softhsm/libsofthsm2.so";

    public static string TokenFolder => Path.Combine(Folder.Value, "tokens");

    /// <summary>Initialises a new token in the free slot, labelled uniquely; returns where its files are.</summary>
    public static SoftHsmToken CreateToken(string pin = "246810")
    {
        var root = Folder.Value;
        var label = "pv-" + Guid.NewGuid().ToString("N")[..10];
        var soPin = "13579" + Random.Shared.Next(100, 999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, output) = Run("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin);
        Assert.True(code == 0, "softhsm2-util --init-token: " + output);
        var directory = Directory.GetDirectories(TokenFolder).Single(d =>
            File.ReadAllBytes(Path.Combine(d, "token.object")).AsSpan().IndexOf(Encoding.ASCII.GetBytes(label)) >= 0);
        var pinFile = Path.Combine(root, label + ".pin");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var stream = new FileStream(pinFile, create)) stream.Write(Encoding.ASCII.GetBytes(pin + "\n"));
        return new SoftHsmToken(label, pin, pinFile, soPin, directory);
    }

    private static string Configure()
    {
        Assert.True(File.Exists(ModulePath), $"SoftHSM2 is not installed ({ModulePath}): apt-get install softhsm2");
        var root = Directory.CreateTempSubdirectory("pv-softhsm-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "tokens"));
        var conf = Path.Combine(root, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(root, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", conf);
        Assert.Equal(0, SetNativeEnvironment("SOFTHSM2_CONF", conf, 1));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        };
        return root;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

/// <summary>Tests that use SoftHSM2 run one after another (they share the process-wide PKCS#11 initialisation).</summary>
[CollectionDefinition(Name)]
public sealed class SoftHsmCollection
{
    public const string Name = "softhsm";
}

/// <summary>
/// Direct PKCS#11 access to a test token through the vault's own shared module instance (a second, separately
/// loaded instance would C_Finalize the vault's sessions when disposed): for making keys the vault must refuse and
/// for reading attributes the way an attacker holding the PIN would.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class SoftHsmSession
{
    public static T Run<T>(SoftHsmToken token, Func<Net.Pkcs11Interop.HighLevelAPI.ISession, Net.Pkcs11Interop.HighLevelAPI.Pkcs11InteropFactories, T> call)
    {
        var module = Pkcs11Module.Acquire(SoftHsm.ModulePath);
        try
        {
            using var pool = new Pkcs11SessionPool(module, token.Options("unused"));
            return module.Use((library, generation) => pool.Run(library, generation, session => call(session, module.Factories)));
        }
        finally
        {
            module.Release();
        }
    }

    /// <summary>Generates a token key from the vault's own template, changed by <paramref name="adjust"/>.</summary>
    public static void CreateKey(SoftHsmToken token, string label, Net.Pkcs11Interop.Common.CKM mechanism,
        params (Net.Pkcs11Interop.Common.CKA Attribute, object Value)[] adjust) =>
        Run(token, (session, f) =>
        {
            var template = Pkcs11KeyAttributes.Template(f.ObjectAttributeFactory, label);
            foreach (var (attribute, value) in adjust)
            {
                template.RemoveAll(a => a.Type == (ulong)attribute);
                template.Add(value switch
                {
                    bool b => f.ObjectAttributeFactory.Create(attribute, b),
                    ulong u => f.ObjectAttributeFactory.Create(attribute, u),
                    Net.Pkcs11Interop.Common.CKK k => f.ObjectAttributeFactory.Create(attribute, k),
                    _ => throw new ArgumentException("unsupported attribute value", nameof(adjust)),
                });
            }
            using var m = f.MechanismFactory.Create(mechanism);
            return session.GenerateKey(m, template);
        });
}
