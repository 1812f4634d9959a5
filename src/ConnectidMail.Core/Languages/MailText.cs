using System.Globalization;
using System.Resources;

namespace ConnectidMail.Languages;

/// <summary>
/// The texts of the recipients' mails (<c>MailText.resx</c>, Danish in <c>MailText.da.resx</c>). A mail is composed in the
/// recipient's language, not the current request's, so the culture is always passed; a missing key throws rather than
/// sending a mail with a hole in it.
/// </summary>
public static class MailText
{
    private static readonly ResourceManager Resources = new("ConnectidMail.Languages.MailText", typeof(MailText).Assembly);

    public static string Get(string key, CultureInfo culture) =>
        Resources.GetString(key, culture) ?? throw new InvalidOperationException($"The mail text '{key}' is missing.");

    /// <summary>A text with its <c>{0}</c>, <c>{1}</c>… filled in.</summary>
    public static string Format(string key, CultureInfo culture, params object?[] values) =>
        string.Format(culture, Get(key, culture), values);
}
