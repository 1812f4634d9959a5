namespace ConnectidMail.Uploads;

/// <summary>Why a file's content does not pass for its type.</summary>
public enum ContentProblem
{
    /// <summary>A program or script (ELF, PE, Mach-O, Java class, <c>#!</c>), whatever the extension says.</summary>
    Executable,

    /// <summary>The content is not what files of the extension's family start with.</summary>
    WrongType,

    /// <summary>A text type holding binary data (NUL or other control bytes).</summary>
    NotText,
}

/// <summary>
/// Checks a file's content against its extension's family while it streams: the first bytes decide the type (magic
/// numbers), and text types are checked to the last byte. Keeps only the first <see cref="HeaderLength"/> bytes.
/// </summary>
public sealed class ContentSniffer(ContentFamily family)
{
    /// <summary>Enough for every signature below, and for a DOS header's NUL bytes to show.</summary>
    public const int HeaderLength = 64;

    private readonly byte[] header = new byte[HeaderLength];
    private int headerLength;
    private bool headerChecked;
    private TextEncoding text = TextEncoding.Undecided;
    private long textBytes;
    private byte pendingByte;
    private ContentProblem? notText;

    private enum TextEncoding
    {
        Undecided,
        EightBit,
        Utf16LittleEndian,
        Utf16BigEndian,
    }

    /// <summary>Feeds the next bytes; returns the problem as soon as one is certain, else null.</summary>
    public ContentProblem? Add(ReadOnlySpan<byte> chunk)
    {
        var before = headerLength;
        var fill = Math.Min(chunk.Length, HeaderLength - headerLength);
        chunk[..fill].CopyTo(header.AsSpan(headerLength));
        headerLength += fill;
        if (!headerChecked && headerLength == HeaderLength && CheckHeader() is { } problem)
        {
            return problem;
        }

        if (family == ContentFamily.Text && notText is null)
        {
            notText = CheckText(chunk, before);
        }

        // Binary data in a text waits for the complete header: a program says more than "binary data".
        return headerChecked ? notText : null;
    }

    /// <summary>The end of the file: returns the problem, or null when the content passes for its type.</summary>
    public ContentProblem? Complete()
    {
        if (!headerChecked && CheckHeader() is { } problem)
        {
            return problem;
        }

        if (notText is not null)
        {
            return notText;
        }

        if (family == ContentFamily.Text && text == TextEncoding.Undecided && headerLength == 1)
        {
            // A one-byte file: no byte-order mark fits, so it is 8-bit text.
            text = TextEncoding.EightBit;
            return CheckTextByte(header[0]) ? ContentProblem.NotText : null;
        }

        // Half a UTF-16 code unit at the end is not text.
        return text is TextEncoding.Utf16LittleEndian or TextEncoding.Utf16BigEndian && textBytes % 2 != 0 ? ContentProblem.NotText : null;
    }

    private ContentProblem? CheckHeader()
    {
        headerChecked = true;
        var start = header.AsSpan(0, headerLength);
        if (IsExecutable(start))
        {
            return ContentProblem.Executable;
        }

        return family is ContentFamily.Unchecked or ContentFamily.Text || Matches(family, start) ? null : ContentProblem.WrongType;
    }

    private static bool IsExecutable(ReadOnlySpan<byte> start) =>
        start.StartsWith("\u007fELF"u8)
        || start.StartsWith("#!"u8)
        // Java class files and Mach-O universal binaries share this magic.
        || Begins(start, [0xCA, 0xFE, 0xBA, 0xBE])
        || Begins(start, [0xFE, 0xED, 0xFA, 0xCE]) || Begins(start, [0xFE, 0xED, 0xFA, 0xCF])
        || Begins(start, [0xCE, 0xFA, 0xED, 0xFE]) || Begins(start, [0xCF, 0xFA, 0xED, 0xFE])
        || start.StartsWith("\0asm"u8)
        // DOS and PE executables: "MZ" and a binary header (a text that starts with the letters MZ has no NUL bytes).
        || (start.StartsWith("MZ"u8) && start.Contains((byte)0));

    private static bool Matches(ContentFamily family, ReadOnlySpan<byte> start) => family switch
    {
        ContentFamily.Pdf => start.StartsWith("%PDF-"u8),
        // A local file header, or the end record of an empty archive.
        ContentFamily.Zip => start.StartsWith("PK\u0003\u0004"u8) || start.StartsWith("PK\u0005\u0006"u8),
        ContentFamily.Ole2 => Begins(start, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        ContentFamily.Png => Begins(start, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ContentFamily.Jpeg => Begins(start, [0xFF, 0xD8, 0xFF]),
        ContentFamily.Gif => start.StartsWith("GIF87a"u8) || start.StartsWith("GIF89a"u8),
        ContentFamily.Tiff => start.StartsWith("II*\0"u8) || start.StartsWith("MM\0*"u8),
        ContentFamily.Heif => start.Length >= 12 && start[4..].StartsWith("ftyp"u8) && IsHeifBrand(start[8..12]),
        ContentFamily.Bmp => start.StartsWith("BM"u8),
        ContentFamily.WebP => start.Length >= 12 && start.StartsWith("RIFF"u8) && start[8..].StartsWith("WEBP"u8),
        ContentFamily.SevenZip => Begins(start, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]),
        ContentFamily.Rtf => start.StartsWith("{\\rtf"u8),
        _ => false,
    };

    private static bool Begins(ReadOnlySpan<byte> start, ReadOnlySpan<byte> magic) => start.StartsWith(magic);

    private static bool IsHeifBrand(ReadOnlySpan<byte> brand) =>
        brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8)
        || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8);

    /// <summary>
    /// Text in any 8-bit encoding (UTF-8 or a legacy code page) or UTF-16 with a byte-order mark; no NUL and no control
    /// characters besides tab, line feed, carriage return and form feed. <paramref name="before"/> counts the bytes
    /// received before this chunk (as far as the header holds them).
    /// </summary>
    private ContentProblem? CheckText(ReadOnlySpan<byte> chunk, int before)
    {
        if (text == TextEncoding.Undecided)
        {
            // The byte-order mark takes two bytes: a first byte alone waits in the header for the second.
            if (headerLength < 2)
            {
                return null;
            }

            text = (header[0], header[1]) switch
            {
                (0xFF, 0xFE) => TextEncoding.Utf16LittleEndian,
                (0xFE, 0xFF) => TextEncoding.Utf16BigEndian,
                _ => TextEncoding.EightBit,
            };
            if (before == 1 && CheckTextByte(header[0]))
            {
                return ContentProblem.NotText;
            }
        }

        foreach (var value in chunk)
        {
            if (CheckTextByte(value))
            {
                return ContentProblem.NotText;
            }
        }

        return null;
    }

    /// <summary>True when the byte makes the content binary.</summary>
    private bool CheckTextByte(byte value)
    {
        var binary = text switch
        {
            TextEncoding.Utf16LittleEndian => CheckUtf16(value, lowFirst: true),
            TextEncoding.Utf16BigEndian => CheckUtf16(value, lowFirst: false),
            _ => IsControl(value),
        };
        textBytes++;
        return binary;
    }

    /// <summary>Checks each complete code unit (after the byte-order mark) for NUL and control characters.</summary>
    private bool CheckUtf16(byte value, bool lowFirst)
    {
        if (textBytes % 2 == 0)
        {
            pendingByte = value;
            return false;
        }

        if (textBytes == 1)
        {
            return false;
        }

        var unit = lowFirst ? pendingByte | (value << 8) : (pendingByte << 8) | value;
        return unit < 0x20 && IsControl((byte)unit);
    }

    private static bool IsControl(byte value) => value < 0x20 && value is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f');
}
