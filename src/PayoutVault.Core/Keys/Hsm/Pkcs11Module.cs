using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// One loaded PKCS#11 library per path and process. C_Initialize and C_Finalize act on the whole process, so two
/// users that each loaded and finalized the library would tear down each other's sessions: users share one counted
/// instance. Every call into the library runs under a shared lock; re-initialising (C_Finalize, C_Initialize: the way
/// SoftHSM2 and many HSM client libraries come back after their token went away) takes it exclusively, so no call is
/// in flight when C_Finalize runs.
/// </summary>
internal sealed class Pkcs11Module
{
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);
    private static readonly Lock LoadedGate = new();
    private static int _resolverSet;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<Action<IPkcs11Library>> _beforeFinalize = [];
    private IPkcs11Library? _library;
    private int _users;

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        Path = path;
        _library = library;
    }

    public string Path { get; }

    public Pkcs11InteropFactories Factories { get; } = SharedFactories;

    private static readonly Pkcs11InteropFactories SharedFactories = new();

    /// <summary>Bumped by every re-initialisation: slot objects and object handles from an older one are stale.</summary>
    public int Generation { get; private set; }

    /// <summary>Why the last re-initialisation failed, while the library is not loaded.</summary>
    public string? LoadProblem { get; private set; }

    /// <summary>Loads the library (or shares the loaded one). Refuses with a message naming the path.</summary>
    public static Pkcs11Module Acquire(string path)
    {
        lock (LoadedGate)
        {
            if (!Loaded.TryGetValue(path, out var module))
            {
                module = new Pkcs11Module(path, Load(path) ?? throw new KeyConfigurationException(
                    $"The PKCS#11 module '{path}' could not be loaded: {LastLoadError}"));
                Loaded[path] = module;
            }
            module._users++;
            return module;
        }
    }

    /// <summary>Drops one user; the last one finalizes the library.</summary>
    public void Release()
    {
        lock (LoadedGate)
        {
            if (--_users > 0) return;
            Loaded.Remove(Path);
            _lock.EnterWriteLock();
            try { FinalizeLibrary(); }
            finally { _lock.ExitWriteLock(); }
        }
    }

    /// <summary>Runs <paramref name="call"/> against the loaded library under the shared lock.</summary>
    /// <exception cref="TokenUnavailableException">The library is not loaded (a re-initialisation failed).</exception>
    public T Use<T>(Func<IPkcs11Library, int, T> call)
    {
        _lock.EnterReadLock();
        try
        {
            var library = _library ?? throw new TokenUnavailableException(
                $"the PKCS#11 module '{Path}' is not initialised ({LoadProblem})");
            return call(library, Generation);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Called with the library, under the exclusive lock, before it is finalized: session pools close theirs.</summary>
    public void OnFinalize(Action<IPkcs11Library> closeSessions)
    {
        lock (_beforeFinalize) _beforeFinalize.Add(closeSessions);
    }

    public void RemoveOnFinalize(Action<IPkcs11Library> closeSessions)
    {
        lock (_beforeFinalize) _beforeFinalize.Remove(closeSessions);
    }

    /// <summary>
    /// C_Finalize, then C_Initialize, unless another caller already did so since <paramref name="seenGeneration"/>.
    /// Returns whether the library is loaded afterwards.
    /// </summary>
    public bool Reinitialize(int seenGeneration)
    {
        _lock.EnterWriteLock();
        try
        {
            if (Generation != seenGeneration) return _library is not null;
            FinalizeLibrary();
            Generation++;
            _library = Load(Path);
            LoadProblem = _library is null ? LastLoadError : null;
            return _library is not null;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    // Caller holds the exclusive lock.
    private void FinalizeLibrary()
    {
        if (_library is not { } library) return;
        Action<IPkcs11Library>[] callbacks;
        lock (_beforeFinalize) callbacks = [.. _beforeFinalize];
        foreach (var close in callbacks) close(library);
        try { library.Dispose(); }
        catch (Pkcs11Exception) { } // C_Finalize of a library whose device is gone: it is dropped either way
        _library = null;
    }

    [ThreadStatic] private static string? _lastLoadError;
    private static string LastLoadError => _lastLoadError ?? "unknown error";

    private static IPkcs11Library? Load(string path)
    {
        UseRuntimeLibdl();
        try
        {
            _lastLoadError = null;
            return SharedFactories.Pkcs11LibraryFactory.LoadPkcs11Library(SharedFactories, path, AppType.MultiThreaded);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _lastLoadError = e is Pkcs11Exception p ? p.RV.ToString() : e.Message;
            return null;
        }
    }

    /// <summary>
    /// Pkcs11Interop 5 imports dlopen from "libdl"; glibc 2.34 and later ship only libdl.so.2 (the unversioned name
    /// comes with the C development package), so the import is pointed at the runtime library.
    /// </summary>
    private static void UseRuntimeLibdl()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _resolverSet, 1) == 1) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, _, _) =>
                name == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // A resolver for the assembly was set already (by the host); it is its to answer.
        }
    }
}

/// <summary>The token or its library cannot serve a call now; the vault reports UNAVAILABLE and retries later.</summary>
internal sealed class TokenUnavailableException(string message) : Exception(message);
