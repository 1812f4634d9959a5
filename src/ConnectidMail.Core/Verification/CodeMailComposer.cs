using ConnectidMail.Branding;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>
/// The mail holding a one-time code (as a run of 8 digits). The code is in the body only, never in the subject, so lock
/// screens do not show it. In the language and time zone of the page that asked for it; English and UTC when none is given.
/// </summary>
public sealed class CodeMailComposer(IOptions<VerificationOptions> options, BrandingCache branding)
{
    public const string Kind = "code";

    public OutgoingMail Compose(string email, string code, DateTimeOffset expiresAt, RecipientLocale? locale = null)
    {
        locale ??= RecipientLocale.For("en");
        string T(string key, params object?[] values) => MailText.Format(key, locale.Culture, values);
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        return new BrandedMail(brand, T("Code.Subject", organisation), locale.Culture)
            .Paragraph(T("Code.Intro", organisation))
            .Code(code)
            .Paragraph($"{T("Code.Use", options.Value.CodeLifetimeMinutes, locale.FormatTime(expiresAt))} {T("Code.Never", organisation)}")
            .Why(T("Code.Why", email))
            .To(email, Kind);
    }
}
