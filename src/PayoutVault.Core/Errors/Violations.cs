namespace PayoutVault.Core.Errors;

/// <summary>Collects field violations while validating a request, then throws them all at once.</summary>
public sealed class Violations
{
    private readonly List<FieldViolation> _items = [];

    public bool Any => _items.Count > 0;

    public IReadOnlyList<FieldViolation> Items => _items;

    public Violations Add(string field, string description)
    {
        _items.Add(new FieldViolation(field, description));
        return this;
    }

    public void ThrowIfAny()
    {
        if (_items.Count > 0) throw new InvalidArgumentException(_items.ToArray());
    }

    public static void Throw(string field, string description) =>
        new Violations().Add(field, description).ThrowIfAny();
}
