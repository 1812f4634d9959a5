namespace ConnectidMail.Uploads;

/// <summary>What a file of a given extension must hold: the family its content is checked against.</summary>
public enum ContentFamily
{
    /// <summary>No rule is known for the extension: only executable content is refused.</summary>
    Unchecked,
    Pdf,
    Zip,
    Ole2,
    Png,
    Jpeg,
    Gif,
    Tiff,
    Heif,
    Bmp,
    WebP,
    SevenZip,
    Rtf,
    Text,
}

/// <summary>The file types (by extension) uploads may have, and the content family each extension stands for.</summary>
public static class FileTypes
{
    /// <summary>
    /// Documents, images and archives that ordinary people send. Executables, scripts and HTML are left out: an
    /// organisation that needs HTML adds it to <c>Policy:AllowedFileTypes</c> (it is always served as a sandboxed download).
    /// </summary>
    public static IReadOnlyList<string> DefaultAllowed { get; } =
    [
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt", "csv", "log",
        "jpg", "jpeg", "png", "gif", "heic", "heif", "tif", "tiff", "bmp", "webp", "zip", "7z", "eml", "msg", "xml", "json",
    ];

    private static readonly Dictionary<string, ContentFamily> Families = new(StringComparer.Ordinal)
    {
        ["pdf"] = ContentFamily.Pdf,
        ["zip"] = ContentFamily.Zip,
        ["docx"] = ContentFamily.Zip,
        ["xlsx"] = ContentFamily.Zip,
        ["pptx"] = ContentFamily.Zip,
        ["odt"] = ContentFamily.Zip,
        ["ods"] = ContentFamily.Zip,
        ["odp"] = ContentFamily.Zip,
        ["doc"] = ContentFamily.Ole2,
        ["xls"] = ContentFamily.Ole2,
        ["ppt"] = ContentFamily.Ole2,
        ["msg"] = ContentFamily.Ole2,
        ["png"] = ContentFamily.Png,
        ["jpg"] = ContentFamily.Jpeg,
        ["jpeg"] = ContentFamily.Jpeg,
        ["gif"] = ContentFamily.Gif,
        ["tif"] = ContentFamily.Tiff,
        ["tiff"] = ContentFamily.Tiff,
        ["heic"] = ContentFamily.Heif,
        ["heif"] = ContentFamily.Heif,
        ["bmp"] = ContentFamily.Bmp,
        ["webp"] = ContentFamily.WebP,
        ["7z"] = ContentFamily.SevenZip,
        ["rtf"] = ContentFamily.Rtf,
        ["txt"] = ContentFamily.Text,
        ["csv"] = ContentFamily.Text,
        ["tsv"] = ContentFamily.Text,
        ["log"] = ContentFamily.Text,
        ["md"] = ContentFamily.Text,
        ["eml"] = ContentFamily.Text,
        ["xml"] = ContentFamily.Text,
        ["json"] = ContentFamily.Text,
        ["html"] = ContentFamily.Text,
        ["htm"] = ContentFamily.Text,
        ["svg"] = ContentFamily.Text,
        ["ics"] = ContentFamily.Text,
        ["vcf"] = ContentFamily.Text,
    };

    /// <summary>The extension of a (cleaned) file name, lower case without the dot; empty when it has none.</summary>
    public static string ExtensionOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant();
    }

    /// <summary>An extension as configured (".PDF", " pdf ") in the form <see cref="ExtensionOf"/> gives.</summary>
    public static string Normalize(string extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        return extension.Trim().TrimStart('.').ToLowerInvariant();
    }

    /// <summary>Letters and digits only, as extensions are; anything else in the setting is a mistake.</summary>
    public static bool IsWellFormed(string normalizedExtension) =>
        normalizedExtension.Length is > 0 and <= 16 && normalizedExtension.All(char.IsAsciiLetterOrDigit);

    public static ContentFamily FamilyOf(string extension) =>
        Families.TryGetValue(extension, out var family) ? family : ContentFamily.Unchecked;
}
