using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;
using PayoutVault.Core.Errors;

namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// The master key as an AES-256 key object inside a PKCS#11 token. Data and fingerprint keys are wrapped by AES-GCM
/// encryption performed in the token (CKM_AES_GCM, a fresh random 96-bit nonce, the key row's context as associated
/// data), so the master key never enters this process. GCM rather than CKM_AES_KEY_WRAP_PAD: the data keys must come
/// back into memory as bytes (C_UnwrapKey would make token objects of them), and GCM's associated data keeps binding
/// each wrapped key to its purpose, version and master key id exactly as the in-memory master key does; the stored
/// format (nonce || ciphertext || tag) is the same too.
///
/// The token is used at start, on rotation and when a new key version is loaded, plus a cheap probe for readiness.
/// When it goes away, calls fail UNAVAILABLE and readiness reports the problem; the vault keeps serving with the keys
/// it has unwrapped. It comes back by itself: the next call or probe (at most once a second) re-initialises the
/// library, logs in again and accepts the key only with the same check value and attributes as at start.
/// </summary>
public sealed class Pkcs11MasterKey : IMasterKey
{
    public const string ConfigurationSection = "Vault:Keys:Pkcs11";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly TimeSpan ReconnectInterval = TimeSpan.FromSeconds(1);

    private readonly Pkcs11Module _module;
    private readonly Pkcs11SessionPool _pool;
    private readonly Pkcs11Options _options;
    private readonly ILogger _logger;
    private readonly Lock _state = new();
    private IObjectHandle? _key;
    private int _keyGeneration = -1;
    private string? _problem;
    private long _lastReconnect;

    private Pkcs11MasterKey(Pkcs11Module module, Pkcs11Options options, ILogger logger)
    {
        _module = module;
        _options = options;
        _logger = logger;
        _pool = new Pkcs11SessionPool(module, options);
    }

    public string Id => _options.KeyLabel!;

    public string CheckValue { get; private set; } = "";

    public string Source => $"PKCS#11 {_options.TokenName}";

    /// <summary>
    /// Loads the module, logs in and checks the key: present once, an AES-256 secret key that is sensitive, never
    /// extractable and stored in the token. Any problem refuses with a message naming it and the setting to fix.
    /// </summary>
    public static Pkcs11MasterKey Open(Pkcs11Options options, string section = ConfigurationSection, ILogger? logger = null)
    {
        if (options.Problems(section).ToList() is { Count: > 0 } problems)
            throw new KeyConfigurationException(string.Join(" ", problems));
        var module = Pkcs11Module.Acquire(options.ModulePath!);
        var key = new Pkcs11MasterKey(module, options, logger ?? NullLogger.Instance);
        try
        {
            key.CheckValue = key._module.Use((library, generation) => key.FindKey(library, generation, expectedCheckValue: null));
            HsmLog.KeyChecked(key._logger, key.Id, options.TokenName, key.CheckValue);
            return key;
        }
        catch (Exception e) when (e is not KeyConfigurationException)
        {
            key.Dispose();
            throw new KeyConfigurationException($"{section}: {Describe(e)}");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public byte[] Wrap(ReadOnlySpan<byte> keyMaterial, ReadOnlySpan<byte> associatedData)
    {
        var material = keyMaterial.ToArray();
        var aad = associatedData.ToArray();
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        try
        {
            var sealedKey = Call("wrap", (session, key) =>
            {
                using var gcm = Gcm(nonce, aad);
                return session.Encrypt(gcm, key, material);
            });
            return [.. nonce, .. sealedKey];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData)
    {
        if (wrapped.Length < NonceSize + TagSize) throw NotUnwrapped();
        var nonce = wrapped[..NonceSize].ToArray();
        var sealedKey = wrapped[NonceSize..].ToArray();
        var aad = associatedData.ToArray();
        var material = Call("unwrap", (session, key) =>
        {
            try
            {
                using var gcm = Gcm(nonce, aad);
                return session.Decrypt(gcm, key, sealedKey);
            }
            // Tokens report a failed tag differently (SoftHSM2: CKR_GENERAL_ERROR). The key answering with its check
            // value right after tells a bad row from a token that went away.
            catch (Pkcs11Exception) when (Answers(session, key))
            {
                return null;
            }
        });
        return material ?? throw NotUnwrapped();
    }

    private KeyConfigurationException NotUnwrapped() =>
        new($"A stored key did not unwrap under master key '{Id}': wrong master key or tampered key row.");

    /// <summary>Null when the key answers with its check value now; else why not (readiness).</summary>
    public string? Probe()
    {
        try
        {
            Call("probe", (session, key) => Answers(session, key) ? 0 : throw new Pkcs11KeyChangedException(
                $"the key labelled '{Id}' no longer answers with check value {CheckValue}"));
            return null;
        }
        catch (UnavailableException e)
        {
            return e.Message;
        }
    }

    private bool Answers(ISession session, IObjectHandle key)
    {
        try { return Pkcs11KeyAttributes.CheckValue(_module.Factories, session, key) == CheckValue; }
        catch (Pkcs11Exception) { return false; }
    }

    private IMechanism Gcm(byte[] nonce, byte[] aad)
    {
        var f = _module.Factories;
        return f.MechanismFactory.Create(CKM.CKM_AES_GCM,
            f.MechanismParamsFactory.CreateCkGcmParams(nonce, NonceSize * 8, aad, TagSize * 8));
    }

    /// <summary>One operation on a pooled session; device failures mark the key unavailable and throw UNAVAILABLE.</summary>
    private T Call<T>(string operation, Func<ISession, IObjectHandle, T> call)
    {
        EnsureConnected();
        try
        {
            return _module.Use((library, generation) =>
            {
                var key = KeyFor(library, generation);
                return _pool.Run(library, generation, session => call(session, key));
            });
        }
        catch (Exception e) when (e is Pkcs11Exception or TokenUnavailableException or TokenMissingException
            or PinRefusedException or KeyConfigurationException or Pkcs11KeyChangedException)
        {
            var problem = $"{operation} failed: {Describe(e)}";
            lock (_state)
            {
                if (_problem is null) HsmLog.TokenLost(_logger, Id, _options.TokenName, problem);
                _problem = problem;
            }
            throw Unavailable(problem);
        }
    }

    /// <summary>The key's handle in this generation of the library, found again (and checked) after a re-initialisation.</summary>
    private IObjectHandle KeyFor(IPkcs11Library library, int generation)
    {
        lock (_state)
        {
            if (_key is not null && _keyGeneration == generation) return _key;
        }
        FindKey(library, generation, CheckValue);
        lock (_state) return _key!;
    }

    private string FindKey(IPkcs11Library library, int generation, string? expectedCheckValue) =>
        _pool.Run(library, generation, session =>
        {
            var f = _module.Factories.ObjectAttributeFactory;
            var found = Pkcs11KeyAttributes.FindByLabel(f, session, Id);
            if (found.Count == 0)
                throw new KeyConfigurationException($"The {_options.TokenName} holds no key labelled '{Id}' "
                    + "(KeyLabel): create it with `vaultctl keys hsm-init`, or check the label and the PIN's user.");
            if (found.Count > 1)
                throw new KeyConfigurationException(
                    $"The {_options.TokenName} holds {found.Count} objects labelled '{Id}'; the master key's label must be unique.");
            if (Pkcs11KeyAttributes.Problems(session, found[0]) is { Count: > 0 } problems)
                throw new KeyConfigurationException(
                    $"The key labelled '{Id}' in the {_options.TokenName} cannot be the master key: {string.Join("; ", problems)}.");
            var checkValue = Pkcs11KeyAttributes.CheckValue(_module.Factories, session, found[0]);
            if (expectedCheckValue is not null && checkValue != expectedCheckValue)
                throw new Pkcs11KeyChangedException($"the key labelled '{Id}' now has check value {checkValue}, "
                    + $"not {expectedCheckValue} as at start: a different key");
            lock (_state)
            {
                _key = found[0];
                _keyGeneration = generation;
            }
            return checkValue;
        });

    /// <summary>While the key is marked unavailable: re-initialise and reconnect, at most once per interval.</summary>
    private void EnsureConnected()
    {
        string? problem;
        lock (_state)
        {
            problem = _problem;
            if (problem is null) return;
            if (Stopwatch.GetElapsedTime(_lastReconnect) < ReconnectInterval) throw Unavailable(problem);
            _lastReconnect = Stopwatch.GetTimestamp();
        }
        try
        {
            _module.Reinitialize(_module.Generation);
            _module.Use((library, generation) => FindKey(library, generation, CheckValue));
        }
        catch (Exception e) when (e is Pkcs11Exception or TokenUnavailableException or TokenMissingException
            or PinRefusedException or KeyConfigurationException or Pkcs11KeyChangedException)
        {
            problem = "reconnect failed: " + Describe(e);
            lock (_state) _problem = problem;
            throw Unavailable(problem);
        }
        lock (_state) _problem = null;
        HsmLog.TokenRecovered(_logger, Id, _options.TokenName, CheckValue);
    }

    private UnavailableException Unavailable(string problem) =>
        new($"The master key '{Id}' in the {_options.TokenName} cannot be used now ({problem}); "
            + "keys already loaded keep serving. Retry when the token is back.");

    private static string Describe(Exception e) => e is Pkcs11Exception p ? $"{p.Method} returned {p.RV}" : e.Message;

    public void Dispose()
    {
        _pool.Dispose();
        _module.Release();
    }
}

/// <summary>The key found under the label is not the one the vault started with.</summary>
internal sealed class Pkcs11KeyChangedException(string message) : Exception(message);
