using ConnectidMail.Languages;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>
/// The mail that tells a recipient a message waits for them. It carries the link only: never the body, and the
/// subject only when <see cref="PolicyOptions.SubjectInNotification"/> allows it. In the recipient's language
/// (<see cref="RecipientLanguages"/>); English when none is given.
/// </summary>
public sealed class NotificationMailComposer(IOptions<PortalOptions> portal, IOptions<PolicyOptions> policy)
{
    public const string Kind = "notification";

    public OutgoingMail Compose(
        MessageRecipient recipient, string linkToken, SenderIdentity sender, string subject, DateTimeOffset expiresAt, RecipientLocale? locale = null)
    {
        var language = (locale ?? RecipientLocale.For("en")).Culture;
        string T(string key, params object?[] values) => MailText.Format(key, language, values);
        var organisation = portal.Value.OrganisationName;
        var link = LinkFor(linkToken);
        var mailSubject = policy.Value.SubjectInNotification
            ? $"{organisation}: {subject}"
            : T("Notification.Subject", organisation);
        var expires = (locale ?? RecipientLocale.For("en")).Format(expiresAt);
        var intro = T("Notification.Intro", sender.Email, organisation);
        var notInMail = T("Notification.NotInMail", organisation, expires);
        var why = T("Notification.Why", sender.Email, recipient.Email, organisation);

        var text = $"""
            {intro}

            {T("Mail.OpenHere")}
            {link}

            {notInMail}

            {why}
            """;

        var html = MailText.Html;
        var body = $"""
            <!DOCTYPE html>
            <html lang="{language.TwoLetterISOLanguageName}"><head><meta charset="utf-8"><title>{html.Encode(mailSubject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>{html.Encode(intro)}</p>
            <p><a href="{html.Encode(link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 4px;">{html.Encode(T("Notification.Button"))}</a></p>
            <p>{html.Encode(T("Mail.CopyLink"))} <br>{html.Encode(link)}</p>
            <p>{html.Encode(notInMail)}</p>
            <p style="color: #555555; font-size: 0.9em;">{html.Encode(why)}</p>
            </body></html>
            """;

        return new OutgoingMail(recipient.Email, mailSubject, text, body, Kind, recipient.Id);
    }

    /// <summary>The recipient's link: <c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>.</summary>
    public string LinkFor(string linkToken) => new Uri(portal.Value.BaseUri, "r/" + linkToken).AbsoluteUri;
}
