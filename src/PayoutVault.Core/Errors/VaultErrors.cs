namespace PayoutVault.Core.Errors;

/// <summary>One field that failed validation. Descriptions never echo the submitted value.</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>
/// Failures the vault reports to callers on purpose. Messages are written for the caller and never contain card data;
/// everything else is an internal error and is reported without detail.
/// </summary>
public abstract class VaultException(string message) : Exception(message);

public sealed class InvalidArgumentException(IReadOnlyList<FieldViolation> violations)
    : VaultException("The request has invalid fields: " + string.Join(", ", violations.Select(v => v.Field)))
{
    public IReadOnlyList<FieldViolation> Violations { get; } = violations;
}

public sealed class NotFoundException(string message) : VaultException(message);

public sealed class AlreadyExistsException(string message) : VaultException(message);

public sealed class FailedPreconditionException(string message) : VaultException(message);

public sealed class PermissionDeniedException(string message) : VaultException(message);

public sealed class UnauthenticatedException(string message) : VaultException(message);

public sealed class UnavailableException(string message) : VaultException(message);

/// <summary>Stored card data failed its integrity check (tampered or moved ciphertext). Never retried.</summary>
public sealed class DataLossException(string message) : VaultException(message);
