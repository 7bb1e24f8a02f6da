using PayoutVault.Core.Audit;
using PayoutVault.Core.Logging;

namespace PayoutVault.Core.Tokens;

/// <summary>Deletes (crypto-shreds) a token in one transaction, together with whatever must commit with it.</summary>
public sealed class TokenDeleter(CardStore store, AuditLog audit, ILogger<TokenDeleter> logger)
{
    public async Task<DateTime> DeleteAsync(string token, AuditContext who, CancellationToken ct)
    {
        TokenVault.ValidateToken(token, "token");
        await using var conn = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deletedAt = await store.DeleteAsync(conn, tx, token, ct) ?? throw TokenVault.NotFound(token);
        await audit.AppendAsync(conn, tx, [who.Entry(AuditActions.TokenDelete, token, "crypto_shredded")], ct);
        await tx.CommitAsync(ct);
        VaultLog.TokenDeleted(logger, token);
        return DateTime.SpecifyKind(deletedAt, DateTimeKind.Utc);
    }
}
