using System.Globalization;

namespace ConnectidMail.Languages;

/// <summary>How one recipient reads: a language and, when their browser told us, a time zone (else UTC, said so).</summary>
public sealed record RecipientLocale(CultureInfo Culture, TimeZoneInfo? TimeZone = null)
{
    public static RecipientLocale For(string language, TimeZoneInfo? timeZone = null) =>
        new(CultureInfo.GetCultureInfo(LanguageOptions.Normalise(language)), timeZone);

    public string Language => Culture.TwoLetterISOLanguageName;

    /// <summary>A date and time in the recipient's words and zone; " UTC" is added when their zone is not known.</summary>
    public string Format(DateTimeOffset at)
    {
        var pattern = MailText.Get("Format.DateTime", Culture);
        return TimeZone is null
            ? at.UtcDateTime.ToString(pattern, Culture) + " UTC"
            : TimeZoneInfo.ConvertTime(at, TimeZone).ToString(pattern, Culture);
    }

    /// <summary>A time of day in the recipient's words and zone; " UTC" is added when their zone is not known.</summary>
    public string FormatTime(DateTimeOffset at)
    {
        var pattern = MailText.Get("Format.Time", Culture);
        return TimeZone is null
            ? at.UtcDateTime.ToString(pattern, Culture) + " UTC"
            : TimeZoneInfo.ConvertTime(at, TimeZone).ToString(pattern, Culture);
    }

    /// <summary>The time zone a browser named (IANA id), or null when it is unknown here.</summary>
    public static TimeZoneInfo? ZoneNamed(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
}
