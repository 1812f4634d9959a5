using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>
/// The mail holding a one-time code (as a run of 8 digits). The code is in the body only, never in the subject, so lock
/// screens do not show it. In the language and time zone of the page that asked for it; English and UTC when none is given.
/// </summary>
public sealed class CodeMailComposer(IOptions<PortalOptions> portal, IOptions<VerificationOptions> options)
{
    public const string Kind = "code";

    public OutgoingMail Compose(string email, string code, DateTimeOffset expiresAt, RecipientLocale? locale = null)
    {
        locale ??= RecipientLocale.For("en");
        string T(string key, params object?[] values) => MailText.Format(key, locale.Culture, values);
        var organisation = portal.Value.OrganisationName;
        var subject = T("Code.Subject", organisation);
        var intro = T("Code.Intro", organisation);
        var use = T("Code.Use", options.Value.CodeLifetimeMinutes, locale.FormatTime(expiresAt));
        var never = T("Code.Never", organisation);
        var why = T("Code.Why", email);
        var text = $"""
            {intro}

            {code}

            {use}
            {never}

            {why}
            """;
        var html = MailText.Html;
        var body = $"""
            <!DOCTYPE html>
            <html lang="{locale.Language}"><head><meta charset="utf-8"><title>{html.Encode(subject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>{html.Encode(intro)}</p>
            <p style="font-size: 1.6em; font-weight: bold; letter-spacing: 0.15em;">{code}</p>
            <p>{html.Encode(use)} {html.Encode(never)}</p>
            <p style="color: #555555; font-size: 0.9em;">{html.Encode(why)}</p>
            </body></html>
            """;
        return new OutgoingMail(email, subject, text, body, Kind);
    }
}
