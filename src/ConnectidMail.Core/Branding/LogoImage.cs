using System.Buffers.Binary;

namespace ConnectidMail.Branding;

/// <summary>
/// Accepts a logo only as a complete PNG or JPEG of sensible size, judged by its bytes (never by name or declared type):
/// SVG and anything else that a browser might run as a document is refused.
/// </summary>
public static class LogoImage
{
    public const int MaxBytes = 256 * 1024;
    public const int MaxSide = 2048;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> PngEnd => [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82];

    /// <summary>The content type for the bytes, or null with the reason when they are not an acceptable logo.</summary>
    public static (string? ContentType, LogoProblem? Problem) Check(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return (null, LogoProblem.Empty);
        }

        if (bytes.Length > MaxBytes)
        {
            return (null, LogoProblem.TooLarge);
        }

        if (bytes.StartsWith(PngSignature))
        {
            return CheckPng(bytes);
        }

        if (bytes is [0xFF, 0xD8, 0xFF, ..])
        {
            return bytes is [.., 0xFF, 0xD9] ? ("image/jpeg", null) : (null, LogoProblem.Damaged);
        }

        return (null, LogoProblem.NotPngOrJpeg);
    }

    /// <summary>The problem in words, for the admin.</summary>
    public static string Describe(LogoProblem problem) => problem switch
    {
        LogoProblem.Empty => "Choose an image file: the upload was empty.",
        LogoProblem.TooLarge => $"The logo may be at most {MaxBytes / 1024} KiB.",
        LogoProblem.Damaged => "The image file is incomplete or damaged.",
        LogoProblem.TooManyPixels => $"The logo may be at most {MaxSide} × {MaxSide} pixels.",
        _ => "The logo must be a PNG or JPEG image (SVG and other formats are not accepted).",
    };

    private static (string?, LogoProblem?) CheckPng(ReadOnlySpan<byte> bytes)
    {
        // Signature, then the IHDR chunk (length 13) with width and height; the file ends with IEND.
        if (bytes.Length < 8 + 8 + 13 + 4 + 12 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8) || !bytes.EndsWith(PngEnd))
        {
            return (null, LogoProblem.Damaged);
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(16, 4));
        var height = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(20, 4));
        return width is 0 or > MaxSide || height is 0 or > MaxSide
            ? (null, LogoProblem.TooManyPixels)
            : ("image/png", null);
    }
}

public enum LogoProblem
{
    Empty,
    TooLarge,
    NotPngOrJpeg,
    Damaged,
    TooManyPixels,
}
