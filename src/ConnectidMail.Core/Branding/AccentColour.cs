using System.Globalization;

namespace ConnectidMail.Branding;

/// <summary>
/// The accent is the background of the header and buttons under white text, and the colour of links and outlines on the
/// page's light backgrounds, so it must reach WCAG AA's 4.5:1 against white and against the page colour.
/// </summary>
public static class AccentColour
{
    public const double MinimumContrast = 4.5;

    /// <summary>The portal's own accent (app.css), used when none is set.</summary>
    public const string Default = "#1f4e79";

    /// <summary>The lightest background the accent sits on as text besides white (app.css <c>--page</c>).</summary>
    private const string PageBackground = "#f4f6f8";

    /// <summary>Accepts <c>#rgb</c> or <c>#rrggbb</c> (any case); returns lowercase <c>#rrggbb</c>.</summary>
    public static bool TryParse(string? text, out string colour)
    {
        colour = "";
        var value = text?.Trim() ?? "";
        if (value.Length == 4 && value[0] == '#')
        {
            value = string.Concat("#", value[1], value[1], value[2], value[2], value[3], value[3]);
        }

        if (value.Length != 7 || value[0] != '#' || value.AsSpan(1).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            return false;
        }

        colour = value.ToLowerInvariant();
        return true;
    }

    /// <summary>The lower of the accent's contrast ratios against white and the page background.</summary>
    public static double WorstContrast(string colour) =>
        Math.Min(Contrast(colour, "#ffffff"), Contrast(colour, PageBackground));

    public static bool MeetsContrast(string colour) => WorstContrast(colour) >= MinimumContrast;

    /// <summary>The colour darkened in small steps until it meets the contrast (same hue), offered to the admin instead.</summary>
    public static string DarkenedToMeetContrast(string colour)
    {
        var (r, g, b) = Channels(colour);
        for (var factor = 1.0; factor > 0; factor -= 0.02)
        {
            var candidate = Hex(r * factor, g * factor, b * factor);
            if (MeetsContrast(candidate))
            {
                return candidate;
            }
        }

        return "#000000";
    }

    /// <summary>WCAG 2 contrast ratio between two colours.</summary>
    public static double Contrast(string first, string second)
    {
        var (a, b) = (Luminance(first), Luminance(second));
        return (Math.Max(a, b) + 0.05) / (Math.Min(a, b) + 0.05);
    }

    private static double Luminance(string colour)
    {
        var (r, g, b) = Channels(colour);
        return (0.2126 * Linear(r)) + (0.7152 * Linear(g)) + (0.0722 * Linear(b));
    }

    private static double Linear(double channel)
    {
        var c = channel / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
    }

    private static (double R, double G, double B) Channels(string colour) => (
        int.Parse(colour.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        int.Parse(colour.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        int.Parse(colour.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static string Hex(double r, double g, double b) =>
        string.Create(CultureInfo.InvariantCulture, $"#{(int)Math.Round(r):x2}{(int)Math.Round(g):x2}{(int)Math.Round(b):x2}");
}
