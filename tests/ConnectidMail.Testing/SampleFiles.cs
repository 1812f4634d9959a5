using System.Security.Cryptography;
using System.Text;

namespace ConnectidMail.Testing;

/// <summary>
/// File content that passes the portal's type check for a file name's extension: the type's magic bytes, then random
/// bytes (or random letters for text types), so that tests about other things upload files the portal accepts.
/// </summary>
public static class SampleFiles
{
    private static readonly Dictionary<string, byte[]> Magic = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pdf"] = "%PDF-1.7\n"u8.ToArray(),
        ["zip"] = "PK\u0003\u0004"u8.ToArray(),
        ["docx"] = "PK\u0003\u0004"u8.ToArray(),
        ["xlsx"] = "PK\u0003\u0004"u8.ToArray(),
        ["doc"] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        ["png"] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
        ["jpg"] = [0xFF, 0xD8, 0xFF, 0xE0],
    };

    private static readonly string[] TextTypes = ["txt", "csv", "log", "json", "xml", "html"];

    /// <summary><paramref name="length"/> bytes that pass for a file named <paramref name="fileName"/>.</summary>
    public static byte[] For(string fileName, int length)
    {
        var extension = Path.GetExtension(fileName).TrimStart('.');
        if (TextTypes.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            const string Letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n";
            return Encoding.ASCII.GetBytes(RandomNumberGenerator.GetString(Letters, length));
        }

        if (!Magic.TryGetValue(extension, out var magic))
        {
            throw new ArgumentException($"No sample content for '{fileName}': use one of {string.Join(", ", Magic.Keys.Concat(TextTypes))}.", nameof(fileName));
        }

        if (length < magic.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"A .{extension} sample needs at least {magic.Length} bytes.");
        }

        var content = RandomNumberGenerator.GetBytes(length);
        magic.CopyTo(content, 0);
        return content;
    }
}
