using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace ConnectidMail.Reports;

/// <summary>
/// Lays text and tables top to bottom over as many A4 pages as it takes: wraps words (and breaks runs such as hashes
/// that are wider than their column), starts a new page when the next block does not fit, and repeats a table's header
/// on every page it continues on.
/// </summary>
internal sealed class PageFlow(PdfDocument document) : IDisposable
{
    public const double Margin = 48;
    private const double FooterHeight = 28;
    private const double CellPadding = 3;

    public static readonly XFont TitleFont = new(ReportFonts.Sans, 18, XFontStyleEx.Bold);
    public static readonly XFont SectionFont = new(ReportFonts.Sans, 13, XFontStyleEx.Bold);
    public static readonly XFont SubsectionFont = new(ReportFonts.Sans, 10.5, XFontStyleEx.Bold);
    public static readonly XFont Body = new(ReportFonts.Sans, 9);
    public static readonly XFont Strong = new(ReportFonts.Sans, 9, XFontStyleEx.Bold);
    public static readonly XFont Small = new(ReportFonts.Sans, 7.5);
    public static readonly XFont SmallStrong = new(ReportFonts.Sans, 7.5, XFontStyleEx.Bold);
    public static readonly XFont Code = new(ReportFonts.Mono, 7.5);

    private XGraphics? graphics;
    private PdfPage? page;
    private double y;

    private XGraphics Graphics => graphics ?? throw new InvalidOperationException("No page has been started.");

    private double Width => page!.Width.Point - (2 * Margin);

    private double Bottom => page!.Height.Point - Margin - FooterHeight;

    public void NewPage()
    {
        graphics?.Dispose();
        page = document.AddPage();
        page.Size = PageSize.A4;
        graphics = XGraphics.FromPdfPage(page);
        y = Margin;
    }

    public void Gap(double points) => y += points;

    /// <summary>A heading is kept with at least a few lines of what follows it.</summary>
    public void Heading(string text, XFont font)
    {
        EnsureSpace(font.GetHeight() + (4 * Body.GetHeight()));
        Paragraph(text, font);
        y += 3;
    }

    public void Paragraph(string text, XFont font)
    {
        foreach (var line in Wrap(text, font, Width))
        {
            EnsureSpace(font.GetHeight());
            Graphics.DrawString(line, font, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
            y += font.GetHeight();
        }

        y += 2;
    }

    /// <summary>Label in bold on the left, value wrapped on the right.</summary>
    public void Fact(string label, string value, XFont? valueFont = null)
    {
        const double labelWidth = 130;
        var font = valueFont ?? Body;
        var lines = Wrap(value, font, Width - labelWidth);
        EnsureSpace(Math.Min(lines.Count, 3) * font.GetHeight());
        Graphics.DrawString(label, Strong, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
        foreach (var line in lines)
        {
            EnsureSpace(font.GetHeight());
            Graphics.DrawString(line, font, XBrushes.Black, new XPoint(Margin + labelWidth, y), XStringFormats.TopLeft);
            y += Math.Max(font.GetHeight(), Body.GetHeight());
        }

        y += 2;
    }

    /// <summary>Columns share the width by their weights; each row is as tall as its tallest cell.</summary>
    public void Table(IReadOnlyList<TableColumn> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var total = columns.Sum(c => c.Weight);
        var widths = columns.Select(c => Width * c.Weight / total).ToArray();
        DrawRow(columns.Select(c => c.Header).ToList(), widths, columns.Select(_ => SmallStrong).ToArray(), header: true);
        var fonts = columns.Select(c => c.Monospace ? Code : Small).ToArray();
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            if (!DrawRow(row, widths, fonts, header: false))
            {
                NewPage();
                DrawRow(columns.Select(c => c.Header).ToList(), widths, columns.Select(_ => SmallStrong).ToArray(), header: true);
                DrawRow(row, widths, fonts, header: false);
            }
        }

        if (!any)
        {
            Paragraph("None.", Small);
        }

        y += 6;
    }

    /// <summary>"Page X of Y" and a fixed line on every page, once all pages exist.</summary>
    public void Footers(string line)
    {
        graphics?.Dispose();
        graphics = null;
        var count = document.PageCount;
        for (var index = 0; index < count; index++)
        {
            var target = document.Pages[index];
            using var footer = XGraphics.FromPdfPage(target, XGraphicsPdfPageOptions.Append);
            var top = target.Height.Point - Margin - Small.GetHeight();
            footer.DrawLine(XPens.LightGray, Margin, top - 4, target.Width.Point - Margin, top - 4);
            footer.DrawString(line, Small, XBrushes.DimGray, new XPoint(Margin, top), XStringFormats.TopLeft);
            footer.DrawString($"Page {index + 1} of {count}", Small, XBrushes.DimGray, new XPoint(target.Width.Point - Margin, top), XStringFormats.TopRight);
        }
    }

    public void Dispose() => graphics?.Dispose();

    /// <summary>Draws a row if it fits on this page; false when it does not (nothing drawn).</summary>
    private bool DrawRow(IReadOnlyList<string> cells, double[] widths, XFont[] fonts, bool header)
    {
        // A cell is capped so that one row always fits a page; the JSON evidence holds the full value.
        const int maxLines = 40;
        var wrapped = new List<IReadOnlyList<string>>(widths.Length);
        for (var column = 0; column < widths.Length; column++)
        {
            var lines = Wrap(column < cells.Count ? cells[column] : "", fonts[column], widths[column] - (2 * CellPadding));
            wrapped.Add(lines.Count > maxLines ? [.. lines.Take(maxLines - 1), "…"] : lines);
        }

        var height = wrapped.Select((lines, column) => Math.Max(1, lines.Count) * fonts[column].GetHeight()).Max() + (2 * CellPadding);
        if (y + height > Bottom)
        {
            if (y <= Margin)
            {
                throw new InvalidOperationException("A table row is taller than a page.");
            }

            return false;
        }

        var x = Margin;
        if (header)
        {
            Graphics.DrawRectangle(XBrushes.Gainsboro, Margin, y, Width, height);
        }

        for (var column = 0; column < widths.Length; column++)
        {
            var lineY = y + CellPadding;
            foreach (var line in wrapped[column])
            {
                Graphics.DrawString(line, fonts[column], XBrushes.Black, new XPoint(x + CellPadding, lineY), XStringFormats.TopLeft);
                lineY += fonts[column].GetHeight();
            }

            x += widths[column];
        }

        y += height;
        Graphics.DrawLine(XPens.LightGray, Margin, y, Margin + Width, y);
        return true;
    }

    private void EnsureSpace(double height)
    {
        if (y + height > Bottom)
        {
            NewPage();
        }
    }

    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : $"{line} {word}";
                if (Measure(candidate, font) <= width)
                {
                    line = candidate;
                    continue;
                }

                if (line.Length > 0)
                {
                    lines.Add(line);
                }

                // A word wider than the column (a hash, an address) is broken where it must be.
                line = word;
                while (Measure(line, font) > width && line.Length > 1)
                {
                    var fits = LongestFittingPrefix(line, font, width);
                    lines.Add(line[..fits]);
                    line = line[fits..];
                }
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The most characters (at least one) of <paramref name="text"/> that fit the width, by bisection: long runs such as JSON details are common.</summary>
    private int LongestFittingPrefix(string text, XFont font, double width)
    {
        var (fits, tooLong) = (1, text.Length);
        while (tooLong - fits > 1)
        {
            var middle = (fits + tooLong) / 2;
            if (Measure(text[..middle], font) <= width)
            {
                fits = middle;
            }
            else
            {
                tooLong = middle;
            }
        }

        return fits;
    }

    private double Measure(string text, XFont font) => Graphics.MeasureString(text, font).Width;
}

internal sealed record TableColumn(string Header, double Weight, bool Monospace = false);
