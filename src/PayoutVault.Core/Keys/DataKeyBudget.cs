using System.Collections.Concurrent;
using Npgsql;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;

namespace PayoutVault.Core.Keys;

/// <summary>
/// Counts AES-GCM encryptions per data-key version against the random-nonce limit. Random 96-bit nonces are safe for
/// at most 2^32 encryptions under one key (NIST SP 800-38D, 8.3); the database keeps the total per version, and each
/// replica reserves a block of encryptions before it uses them, so the hot path only decrements a counter in memory.
/// Past <see cref="RotateAt"/> the rotation watcher starts a data-key rotation; a version whose reservations would
/// pass <see cref="Limit"/> encrypts nothing more (FAILED_PRECONDITION) until the data key is rotated.
/// </summary>
public sealed class DataKeyBudget(NpgsqlDataSource dataSource, ILogger<DataKeyBudget> logger)
{
    /// <summary>No version ever encrypts more than this.</summary>
    public const long Limit = 1L << 32;

    /// <summary>Half the limit: a rotation starts here, leaving 2^31 encryptions for it to complete.</summary>
    public const long RotateAt = 1L << 31;

    /// <summary>Encryptions reserved per database round trip; refilled in the background at half.</summary>
    internal const int BlockSize = 1 << 16;

    private sealed class Allowance
    {
        public long Remaining;
        public int Refilling;
        public bool Exhausted;
        public readonly SemaphoreSlim Lock = new(1, 1);
    }

    private readonly ConcurrentDictionary<int, Allowance> _allowances = new();

    /// <summary>
    /// Makes sure at least <paramref name="count"/> encryptions under <paramref name="version"/> are reserved: at
    /// start, when a new version becomes active, and before a re-encryption batch. Never call it inside a transaction
    /// that holds the version's key row (the cards insert trigger's FOR SHARE): the reservation updates that row.
    /// </summary>
    public async Task EnsureAsync(int version, int count, CancellationToken ct)
    {
        var allowance = _allowances.GetOrAdd(version, _ => new Allowance());
        if (Volatile.Read(ref allowance.Remaining) >= count) return;
        await allowance.Lock.WaitAsync(ct);
        try
        {
            while (!allowance.Exhausted && Volatile.Read(ref allowance.Remaining) < count)
                await ReserveBlockAsync(version, allowance, Math.Max(BlockSize, count), ct);
        }
        finally
        {
            allowance.Lock.Release();
        }
        if (allowance.Exhausted && Volatile.Read(ref allowance.Remaining) < count) throw Exhausted(version);
    }

    /// <summary>
    /// Takes one encryption under <paramref name="version"/>: called by every AES-GCM seal under a data key. Refills
    /// in the background when half the block is used; refuses when nothing is reserved (transient: UNAVAILABLE) or
    /// the version reached its limit (FAILED_PRECONDITION).
    /// </summary>
    public void Take(int version)
    {
        var allowance = _allowances.GetOrAdd(version, _ => new Allowance());
        var left = Interlocked.Decrement(ref allowance.Remaining);
        if (left < BlockSize / 2 && !allowance.Exhausted) RefillInBackground(version, allowance);
        if (left >= 0) return;
        Interlocked.Increment(ref allowance.Remaining);
        if (allowance.Exhausted) throw Exhausted(version);
        throw new UnavailableException("The data key's encryption allowance is being renewed; retry the request.");
    }

    /// <summary>The active data-key version and its reserved total as the database holds them (every replica's blocks).</summary>
    public async Task<(int Version, long Reserved)> ActiveUsageAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT version, encryptions_reserved FROM key_versions WHERE purpose = 'data' AND state = 'active'");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt32(0), r.GetInt64(1)) : (0, 0L);
    }

    private void RefillInBackground(int version, Allowance allowance)
    {
        if (Interlocked.CompareExchange(ref allowance.Refilling, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await EnsureAsync(version, BlockSize, CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or FailedPreconditionException or TimeoutException)
            {
                VaultLog.DataKeyReservationFailed(logger, version, e.GetType().Name);
            }
            finally
            {
                Volatile.Write(ref allowance.Refilling, 0);
            }
        });
    }

    // Callers hold allowance.Lock.
    private async Task ReserveBlockAsync(int version, Allowance allowance, int size, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            UPDATE key_versions SET encryptions_reserved = encryptions_reserved + @n
            WHERE purpose = 'data' AND version = @v AND encryptions_reserved + @n <= @limit
            RETURNING encryptions_reserved
            """);
        cmd.Parameters.AddWithValue("n", (long)size);
        cmd.Parameters.AddWithValue("v", version);
        cmd.Parameters.AddWithValue("limit", Limit);
        if (await cmd.ExecuteScalarAsync(ct) is not long total)
        {
            // Nothing reserved: the block would pass the limit (or the version is unknown). The rest of the
            // version's allowance, already in memory, is still used up before refusing.
            allowance.Exhausted = true;
            VaultLog.DataKeyExhausted(logger, version, Limit);
            return;
        }
        Interlocked.Add(ref allowance.Remaining, size);
        if (total >= RotateAt && total - size < RotateAt) VaultLog.DataKeyNearLimit(logger, version, total, Limit);
    }

    private static FailedPreconditionException Exhausted(int version) => new(
        $"Data key version {version} has reached its encryption limit (2^32 for AES-GCM with random nonces): "
        + "rotate the data key (vaultctl keys rotate-data); nothing was stored.");
}
