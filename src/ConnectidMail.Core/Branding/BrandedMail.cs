using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using ConnectidMail.Languages;
using ConnectidMail.Mail;

namespace ConnectidMail.Branding;

/// <summary>
/// Builds a mail's plain-text and HTML parts from the same blocks, so both always say the same: the organisation's name
/// as the sender's name, links whose text is the full address (never shortened, nothing hidden behind a button), a
/// "why did I get this" line and the organisation's support contact, in the reader's language (English by default).
/// </summary>
public sealed class BrandedMail(Brand brand, string subject, CultureInfo? language = null)
{
    private static readonly HtmlEncoder Html = MailText.Html;

    private readonly CultureInfo culture = language ?? CultureInfo.GetCultureInfo("en");

    private readonly StringBuilder text = new();
    private readonly StringBuilder html = new();
    private string? why;

    public BrandedMail Paragraph(string line)
    {
        text.Append(line).Append("\n\n");
        html.Append("<p>").Append(Html.Encode(line)).Append("</p>\n");
        return this;
    }

    /// <summary>A link shown as its full address, in both parts.</summary>
    public BrandedMail Link(string intro, string url)
    {
        text.Append(intro).Append('\n').Append(url).Append("\n\n");
        html.Append("<p>").Append(Html.Encode(intro)).Append("<br><a href=\"").Append(Html.Encode(url))
            .Append("\" style=\"color: ").Append(brand.AccentColour).Append("; font-weight: bold; word-break: break-all;\">")
            .Append(Html.Encode(url)).Append("</a></p>\n");
        return this;
    }

    /// <summary>A one-time code on a line of its own.</summary>
    public BrandedMail Code(string code)
    {
        text.Append(code).Append("\n\n");
        html.Append("<p style=\"font-size: 1.6em; font-weight: bold; letter-spacing: 0.15em;\">").Append(Html.Encode(code)).Append("</p>\n");
        return this;
    }

    /// <summary>Why the reader got this mail; shown last, before the support line.</summary>
    public BrandedMail Why(string line)
    {
        why = line;
        return this;
    }

    public OutgoingMail To(string address, string kind, Guid? correlationId = null)
    {
        var body = new StringBuilder(text.ToString());
        var page = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(culture.TwoLetterISOLanguageName).Append("\"><head><meta charset=\"utf-8\"><title>").Append(Html.Encode(subject)).Append("</title></head>\n")
            .Append("<body style=\"font-family: sans-serif; line-height: 1.5; color: #1a1a1a;\">\n")
            .Append("<p style=\"border-bottom: 4px solid ").Append(brand.AccentColour).Append("; padding-bottom: 0.3em; font-weight: bold;\">")
            .Append(Html.Encode(brand.OrganisationName)).Append("</p>\n")
            .Append(html);
        if (why is not null)
        {
            var label = MailText.Get("Mail.Why", culture);
            body.Append(label).Append(' ').Append(why).Append("\n\n");
            page.Append("<p style=\"color: #555555; font-size: 0.9em;\">").Append(Html.Encode(label)).Append(' ').Append(Html.Encode(why)).Append("</p>\n");
        }

        if (SupportLine() is { } support)
        {
            body.Append(support).Append('\n');
            page.Append("<p style=\"color: #555555; font-size: 0.9em;\">").Append(Html.Encode(support)).Append("</p>\n");
        }

        page.Append("</body></html>\n");
        return new OutgoingMail(address, subject, body.ToString().TrimEnd() + "\n", page.ToString(), kind, correlationId, brand.OrganisationName);
    }

    /// <summary>"Questions? Contact Org: mail · phone · web" (in the mail's language), or null when no contact is set.</summary>
    private string? SupportLine()
    {
        string?[] contacts = [brand.SupportEmail, brand.SupportPhone, brand.SupportUrl];
        var given = contacts.OfType<string>().ToList();
        return given.Count == 0 ? null : MailText.Format("Mail.Support", culture, brand.OrganisationName, string.Join(" · ", given));
    }
}
