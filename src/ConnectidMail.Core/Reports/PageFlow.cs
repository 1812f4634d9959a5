using System.IO.Compression;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace ConnectidMail.Reports;

/// <summary>
/// Lays text and tables top to bottom over as many A4 pages as it takes: wraps words (and breaks runs such as hashes
/// that are wider than their column), starts a new page when the next block does not fit, and repeats a table's header
/// on every page it continues on. Built for reports of many thousands of pages: a finished page's content is
/// compressed at once and kept in the spill file (so the document in memory holds none of its text), table rows are
/// taken one at a time, and text is measured from cached glyph widths.
/// </summary>
internal sealed class PageFlow(PdfDocument document, SpillFile spill) : IDisposable
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

    private readonly Dictionary<XFont, FontMetrics> metrics = new(ReferenceEqualityComparer.Instance);
    private XFont? lastFont;
    private FontMetrics? lastMetrics;
    private XGraphics? graphics;
    private PdfPage? page;
    private int? insertAt;
    private double y;

    private XGraphics Graphics => graphics ?? throw new InvalidOperationException("No page has been started.");

    private double Width => page!.Width.Point - (2 * Margin);

    private double Bottom => page!.Height.Point - Margin - FooterHeight;

    /// <summary>From now on new pages go before all pages made so far, in order (a report's front matter, written last).</summary>
    public void InsertFromStart()
    {
        FinishPage();
        insertAt = 0;
    }

    public void NewPage()
    {
        FinishPage();
        page = insertAt is { } at ? document.InsertPage(at) : document.AddPage();
        insertAt = insertAt + 1;
        page.Size = PageSize.A4;
        graphics = XGraphics.FromPdfPage(page);
        y = Margin;
    }

    public void Gap(double points) => y += points;

    /// <summary>A heading is kept with at least a few lines of what follows it.</summary>
    public void Heading(string text, XFont font)
    {
        EnsureSpace(Height(font) + (4 * Height(Body)));
        Paragraph(text, font);
        y += 3;
    }

    public void Paragraph(string text, XFont font)
    {
        foreach (var line in Wrap(text, font, Width))
        {
            EnsureSpace(Height(font));
            Graphics.DrawString(line, font, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
            y += Height(font);
        }

        y += 2;
    }

    /// <summary>Label in bold on the left, value wrapped on the right.</summary>
    public void Fact(string label, string value, XFont? valueFont = null)
    {
        const double labelWidth = 130;
        var font = valueFont ?? Body;
        var lines = Wrap(value, font, Width - labelWidth);
        EnsureSpace(Math.Min(lines.Count, 3) * Height(font));
        Graphics.DrawString(label, Strong, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
        foreach (var line in lines)
        {
            EnsureSpace(Height(font));
            Graphics.DrawString(line, font, XBrushes.Black, new XPoint(Margin + labelWidth, y), XStringFormats.TopLeft);
            y += Math.Max(Height(font), Height(Body));
        }

        y += 2;
    }

    /// <summary>A table whose rows are added one at a time; columns share the width by their weights.</summary>
    public TableWriter BeginTable(IReadOnlyList<TableColumn> columns) => new(this, columns);

    public void Table(IReadOnlyList<TableColumn> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = BeginTable(columns);
        foreach (var row in rows)
        {
            table.Add(row);
        }

        table.End();
    }

    /// <summary>
    /// "Page X of Y" and a fixed line on every page, once all pages exist. Each footer is a content stream of its own
    /// after the page's (compressed) one; PDFsharp wraps earlier streams in q/Q only when a page's first is added.
    /// </summary>
    public void Footers(string line)
    {
        FinishPage();
        var count = document.PageCount;
        for (var index = 0; index < count; index++)
        {
            var target = document.Pages[index];
            using (var footer = XGraphics.FromPdfPage(target, XGraphicsPdfPageOptions.Append))
            {
                var top = target.Height.Point - Margin - Height(Small);
                footer.DrawLine(XPens.LightGray, Margin, top - 4, target.Width.Point - Margin, top - 4);
                footer.DrawString(line, Small, XBrushes.DimGray, new XPoint(Margin, top), XStringFormats.TopLeft);
                footer.DrawString($"Page {index + 1} of {count}", Small, XBrushes.DimGray, new XPoint(target.Width.Point - Margin, top), XStringFormats.TopRight);
            }

            Compress(target);
        }
    }

    public void Dispose() => graphics?.Dispose();

    /// <summary>Ends drawing on the current page and compresses what was drawn.</summary>
    private void FinishPage()
    {
        if (graphics is null || page is null)
        {
            return;
        }

        graphics.Dispose();
        graphics = null;
        Compress(page);
    }

    /// <summary>
    /// Deflates the page's content streams now rather than when the document is saved, and keeps them in the spill file
    /// until then, so that thousands of pages do not sit in memory. zlib's fastest level: content streams are
    /// repetitive and shrink well anyway.
    /// </summary>
    private void Compress(PdfPage target)
    {
        foreach (var content in target.Contents)
        {
            if (content.Stream is not { } stream || content.Elements.ContainsKey("/Filter"))
            {
                continue;
            }

            using var deflated = new MemoryStream(stream.Value.Length / 3);
            using (var zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
            {
                zlib.Write(stream.Value);
            }

            spill.Defer(content, spill.Add(deflated.GetBuffer().AsSpan(0, (int)deflated.Length)));
            content.Elements.SetName("/Filter", "/FlateDecode");
        }
    }

    /// <summary>Draws a row if it fits on this page; false when it does not (nothing drawn).</summary>
    private bool DrawRow(IReadOnlyList<string> cells, TableLayout layout, XFont[] fonts, bool header)
    {
        var wrapped = new List<string>[layout.Widths.Length];
        var height = 0.0;
        for (var column = 0; column < layout.Widths.Length; column++)
        {
            var text = column < cells.Count ? cells[column] : "";
            if (column == layout.Below)
            {
                wrapped[column] = text.Length == 0 ? [] : Capped(Wrap(text, fonts[column], layout.BelowWidth - (2 * CellPadding)));
                continue;
            }

            wrapped[column] = Capped(Wrap(text, fonts[column], layout.Widths[column] - (2 * CellPadding)));
            height = Math.Max(height, Math.Max(1, wrapped[column].Count) * Height(fonts[column]));
        }

        var cellsHeight = height;
        if (layout.Below >= 0)
        {
            height += wrapped[layout.Below].Count * Height(fonts[layout.Below]);
        }

        height += 2 * CellPadding;
        if (y + height > Bottom)
        {
            if (y <= Margin)
            {
                throw new InvalidOperationException("A table row is taller than a page.");
            }

            return false;
        }

        if (header)
        {
            Graphics.DrawRectangle(XBrushes.Gainsboro, Margin, y, Width, height);
        }

        var x = Margin;
        for (var column = 0; column < layout.Widths.Length; column++)
        {
            var below = column == layout.Below;
            var lineX = below ? layout.BelowX : x;
            var lineY = y + CellPadding + (below ? cellsHeight : 0);
            foreach (var line in wrapped[column])
            {
                if (line.Length > 0)
                {
                    Graphics.DrawString(line, fonts[column], XBrushes.Black, new XPoint(lineX + CellPadding, lineY), XStringFormats.TopLeft);
                }

                lineY += Height(fonts[column]);
            }

            x += layout.Widths[column];
        }

        y += height;
        Graphics.DrawLine(XPens.LightGray, Margin, y, Margin + Width, y);
        return true;
    }

    /// <summary>A cell is capped so that one row always fits a page; the JSON evidence holds the full value.</summary>
    private static List<string> Capped(List<string> lines)
    {
        const int maxLines = 30;
        if (lines.Count > maxLines)
        {
            lines.RemoveRange(maxLines - 1, lines.Count - maxLines + 1);
            lines.Add("…");
        }

        return lines;
    }

    private void EnsureSpace(double height)
    {
        if (y + height > Bottom)
        {
            NewPage();
        }
    }

    /// <summary>Greedy word wrap on summed glyph widths; a word wider than the line (a hash, an address) is broken where it must be.</summary>
    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        var space = Measure(' ', font);
        var paragraphs = text.AsSpan().ContainsAny('\n', '\r') ? text.ReplaceLineEndings("\n").Split('\n') : [text];
        foreach (var paragraph in paragraphs)
        {
            // The current line is paragraph[lineStart..lineEnd].
            var (lineStart, lineEnd, lineWidth) = (0, 0, 0.0);
            var position = 0;
            while (true)
            {
                var wordEnd = paragraph.IndexOf(' ', position);
                wordEnd = wordEnd < 0 ? paragraph.Length : wordEnd;
                var wordWidth = Measure(paragraph.AsSpan(position, wordEnd - position), font);
                var empty = lineEnd == lineStart;
                var widthWith = empty ? wordWidth : lineWidth + space + wordWidth;
                if (widthWith <= width)
                {
                    (lineStart, lineEnd, lineWidth) = (empty ? position : lineStart, wordEnd, widthWith);
                }
                else
                {
                    if (!empty)
                    {
                        lines.Add(paragraph[lineStart..lineEnd]);
                    }

                    // The word starts a line; while it is wider than a line, as much of it as fits (at least a character) is one.
                    var (start, used) = (position, 0.0);
                    for (var i = position; i < wordEnd; i++)
                    {
                        var glyph = Measure(paragraph[i], font);
                        if (used + glyph > width && i > start)
                        {
                            lines.Add(paragraph[start..i]);
                            (start, used) = (i, 0.0);
                        }

                        used += glyph;
                    }

                    (lineStart, lineEnd, lineWidth) = (start, wordEnd, used);
                }

                if (wordEnd == paragraph.Length)
                {
                    break;
                }

                position = wordEnd + 1;
            }

            lines.Add(paragraph[lineStart..lineEnd]);
        }

        return lines;
    }

    private double Measure(ReadOnlySpan<char> text, XFont font)
    {
        var metrics = Metrics(font);
        var width = 0.0;
        foreach (var c in text)
        {
            width += metrics.Width(c);
        }

        return width;
    }

    private double Measure(char c, XFont font) => Metrics(font).Width(c);

    private double Height(XFont font) => Metrics(font).Height;

    private FontMetrics Metrics(XFont font)
    {
        if (!ReferenceEquals(font, lastFont))
        {
            if (!metrics.TryGetValue(font, out var found))
            {
                found = new FontMetrics(font, text => Graphics.MeasureString(text, font).Width);
                metrics[font] = found;
            }

            (lastFont, lastMetrics) = (font, found);
        }

        return lastMetrics!;
    }

    /// <summary>
    /// A font's line height and its characters' advance widths, each asked of PDFsharp once: a string's width is the
    /// sum of its glyphs' (PDFsharp applies no kerning), and a long report measures millions of characters.
    /// </summary>
    private sealed class FontMetrics(XFont font, Func<string, double> measure)
    {
        private readonly double[] common = CreateUnknown();
        private readonly Dictionary<char, double> other = [];

        public double Height { get; } = font.GetHeight();

        public double Width(char c)
        {
            if (c < 0x3000)
            {
                var known = common[c];
                return double.IsNaN(known) ? common[c] = Ask(c) : known;
            }

            if (!other.TryGetValue(c, out var width))
            {
                width = Ask(c);
                other[c] = width;
            }

            return width;
        }

        private static double[] CreateUnknown()
        {
            var widths = new double[0x3000];
            Array.Fill(widths, double.NaN);
            return widths;
        }

        // Half of a surrogate pair has no glyph of its own: it counts as wide as an M, which at worst wraps a line early.
        private double Ask(char c) => measure(char.IsSurrogate(c) ? "M" : c.ToString());
    }

    /// <summary>
    /// Each column's width (zero for the column drawn below the others, if any) and where that column's lines go: from
    /// the second column's left edge to the table's right edge, so a long value such as an event's details reads across
    /// the page instead of wrapping in a narrow column.
    /// </summary>
    private sealed record TableLayout(double[] Widths, int Below, double BelowX, double BelowWidth);

    /// <summary>Rows go onto the current page while they fit; the next page repeats the header.</summary>
    internal sealed class TableWriter
    {
        private readonly PageFlow flow;
        private readonly string[] headers;
        private readonly TableLayout layout;
        private readonly XFont[] headerFonts;
        private readonly XFont[] fonts;
        private bool any;

        public TableWriter(PageFlow flow, IReadOnlyList<TableColumn> columns)
        {
            this.flow = flow;
            var below = columns.Count(c => c.Below) switch
            {
                0 => -1,
                1 => columns.ToList().FindIndex(c => c.Below),
                _ => throw new ArgumentException("At most one column can go below the others.", nameof(columns)),
            };
            var total = columns.Where(c => !c.Below).Sum(c => c.Weight);
            var widths = columns.Select(c => c.Below ? 0 : flow.Width * c.Weight / total).ToArray();
            var firstWidth = below == 0 ? 0 : widths[0];
            layout = new TableLayout(widths, below, Margin + firstWidth, flow.Width - firstWidth);
            headers = [.. columns.Select(c => c.Header)];
            headerFonts = [.. columns.Select(_ => SmallStrong)];
            fonts = [.. columns.Select(c => c.Monospace ? Code : Small)];
            if (!flow.DrawRow(headers, layout, headerFonts, header: true))
            {
                flow.NewPage();
                Fits(flow.DrawRow(headers, layout, headerFonts, header: true));
            }
        }

        public void Add(IReadOnlyList<string> row)
        {
            any = true;
            if (!flow.DrawRow(row, layout, fonts, header: false))
            {
                flow.NewPage();
                Fits(flow.DrawRow(headers, layout, headerFonts, header: true));
                Fits(flow.DrawRow(row, layout, fonts, header: false));
            }
        }

        /// <summary>On a fresh page a row always fits (its cells are capped); if one did not, it must not vanish.</summary>
        private static void Fits(bool drawn)
        {
            if (!drawn)
            {
                throw new InvalidOperationException("A table row is taller than a page.");
            }
        }

        public void End()
        {
            if (!any)
            {
                flow.Paragraph("None.", Small);
            }

            flow.y += 6;
        }
    }
}

/// <param name="Weight">The column's share of the table's width.</param>
/// <param name="Below">Drawn under the row's other cells, across the table, rather than beside them.</param>
internal sealed record TableColumn(string Header, double Weight, bool Monospace = false, bool Below = false);
