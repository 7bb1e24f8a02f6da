using Npgsql;

namespace PayoutVault.Core.Storage;

/// <summary>Classifies database failures by SQLSTATE, never by message text.</summary>
public static class DatabaseErrors
{
    public static bool IsUniqueViolation(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>
    /// A deadlock or serialization failure: the transaction was rolled back whole and can run again as it was.
    /// </summary>
    public static bool IsConflict(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    /// <summary>Class 22, data exception (invalid text encoding, untranslatable character, numeric out of range,
    /// ...): the value written was unacceptable, so the request that carried it is at fault, not the database.</summary>
    public static bool IsDataException(Exception e) =>
        e is PostgresException pg && pg.SqlState.StartsWith("22", StringComparison.Ordinal);

    /// <summary>The database cannot be reached or is shutting down: the caller should retry later.</summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.TooManyConnections
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } => true,
        NpgsqlException npg when npg.IsTransient => true,
        _ => false,
    };
}
