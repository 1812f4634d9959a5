using System.Reflection;
using PdfSharp.Fonts;

namespace ConnectidMail.Reports;

/// <summary>
/// Resolves every font the report asks for to the DejaVu faces embedded in this assembly, so a report looks the same on
/// any machine and needs no installed fonts (PDFsharp on Linux finds none by itself).
/// </summary>
internal sealed class ReportFonts : IFontResolver
{
    public const string Sans = "DejaVu Sans";
    public const string Mono = "DejaVu Sans Mono";

    private static readonly Lock Gate = new();

    private ReportFonts()
    {
    }

    /// <summary>PDFsharp takes one process-wide resolver; set it once, before the first report.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not ReportFonts)
            {
                GlobalFontSettings.FontResolver = new ReportFonts();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        familyName switch
        {
            Mono => new FontResolverInfo("DejaVuSansMono"),
            _ when bold => new FontResolverInfo("DejaVuSans-Bold"),
            _ => new FontResolverInfo("DejaVuSans"),
        };

    public byte[]? GetFont(string faceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"ConnectidMail.Reports.Fonts.{faceName}.ttf")
            ?? throw new InvalidOperationException($"The report font {faceName} is not embedded.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
