using System.Diagnostics.CodeAnalysis;

namespace ConnectidMail.Storage;

/// <summary>An app-generated blob name (32 lowercase hex digits). User-supplied file names never reach the file system.</summary>
public readonly record struct BlobName
{
    private BlobName(string value) => Value = value;

    public string Value { get; }

    public static BlobName New() => new(Guid.CreateVersion7().ToString("N"));

    public static bool TryParse(string? text, [NotNullWhen(true)] out BlobName? name)
    {
        name = text is { Length: 32 } && text.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)) ? new BlobName(text) : null;
        return name is not null;
    }

    public static BlobName Parse(string text) =>
        TryParse(text, out var name) ? name.Value : throw new FormatException("A blob name is 32 lowercase hex digits.");

    public override string ToString() => Value;
}
