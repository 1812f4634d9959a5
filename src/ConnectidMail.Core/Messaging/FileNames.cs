using System.Globalization;
using System.Text;

namespace ConnectidMail.Messaging;

/// <summary>Turns a file name from a client into one that is safe to show and to offer as a download name.</summary>
public static class FileNames
{
    public const int MaxLength = 200;
    public const string Fallback = "file";

    /// <summary>
    /// Keeps the last path part only, drops control, format (bidirectional overrides, zero-width) and unassigned
    /// characters, trims dots and spaces, and caps the length while keeping the extension.
    /// </summary>
    public static string Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return Fallback;
        }

        var lastPart = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var builder = new StringBuilder(lastPart.Length);
        foreach (var rune in lastPart.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }

            builder.Append(rune.ToString());
        }

        var cleaned = TrimDotsAndSpaces(builder.ToString().Normalize(NormalizationForm.FormC));
        if (cleaned.Length == 0)
        {
            return Fallback;
        }

        if (cleaned.Length <= MaxLength)
        {
            return cleaned;
        }

        var extension = Path.GetExtension(cleaned);
        extension = extension.Length is > 1 and <= 16 ? extension : "";
        var stem = cleaned[..^extension.Length];
        var keep = MaxLength - extension.Length;
        // Never cut a surrogate pair in half.
        if (char.IsHighSurrogate(stem[keep - 1]))
        {
            keep--;
        }

        return stem[..keep].TrimEnd() + extension;
    }

    /// <summary>Dots and white space mixed at either end (". . .") go too, so no name is "." or "..".</summary>
    private static string TrimDotsAndSpaces(string name)
    {
        var start = 0;
        var end = name.Length;
        while (start < end && (name[start] == '.' || char.IsWhiteSpace(name[start])))
        {
            start++;
        }

        while (end > start && (name[end - 1] == '.' || char.IsWhiteSpace(name[end - 1])))
        {
            end--;
        }

        return name[start..end];
    }
}
