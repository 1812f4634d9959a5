using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Replies;

/// <summary>
/// The mails a thread causes. They carry a link only, never the reply, its files or the message's subject: the sender's
/// mail links to the message's page in the portal, the recipient's mail carries a new link of theirs.
/// </summary>
public sealed class ReplyMailComposer(IOptions<PortalOptions> portal, NotificationMailComposer notifications)
{
    public const string SenderKind = "reply";
    public const string RecipientKind = "answer";

    /// <summary>Tells the sender, at their account address, that a recipient replied.</summary>
    public OutgoingMail ComposeForSender(string senderEmail, Guid messageId, Guid replyId)
    {
        var organisation = portal.Value.OrganisationName;
        var link = new Uri(portal.Value.BaseUri, $"messages/{messageId}").AbsoluteUri;
        var subject = $"{organisation}: a recipient replied to your secure message";
        var text = $"""
            A recipient replied to a secure message you sent through {organisation}'s portal.

            Read the reply in the portal (sign in first):
            {link}

            The reply is not in this mail: it stays encrypted in the portal.
            """;
        var html = MailText.Html;
        var body = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{html.Encode(subject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>A recipient replied to a secure message you sent through {html.Encode(organisation)}'s portal.</p>
            <p><a href="{html.Encode(link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 4px;">Read the reply</a></p>
            <p>Or copy this address into your browser (sign in first): <br>{html.Encode(link)}</p>
            <p>The reply is not in this mail: it stays encrypted in the portal.</p>
            </body></html>
            """;
        return new OutgoingMail(senderEmail, subject, text, body, SenderKind, replyId);
    }

    /// <summary>
    /// Tells a recipient that the sender answered, with a new link of theirs (<c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>),
    /// in the recipient's language (<see cref="RecipientLanguages"/>); English when none is given.
    /// </summary>
    public OutgoingMail ComposeForRecipient(MessageRecipient recipient, string linkToken, string senderEmail, RecipientLocale? locale = null)
    {
        var language = (locale ?? RecipientLocale.For("en")).Culture;
        string T(string key, params object?[] values) => MailText.Format(key, language, values);
        var organisation = portal.Value.OrganisationName;
        var link = notifications.LinkFor(linkToken);
        var subject = T("Answer.Subject", organisation);
        var intro = T("Answer.Intro", senderEmail, organisation);
        var notInMail = T("Answer.NotInMail", organisation);
        var why = T("Answer.Why", recipient.Email, organisation);
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
            <html lang="{language.TwoLetterISOLanguageName}"><head><meta charset="utf-8"><title>{html.Encode(subject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>{html.Encode(intro)}</p>
            <p><a href="{html.Encode(link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 4px;">{html.Encode(T("Answer.Button"))}</a></p>
            <p>{html.Encode(T("Mail.CopyLink"))} <br>{html.Encode(link)}</p>
            <p>{html.Encode(notInMail)}</p>
            <p style="color: #555555; font-size: 0.9em;">{html.Encode(why)}</p>
            </body></html>
            """;
        return new OutgoingMail(recipient.Email, subject, text, body, RecipientKind, recipient.Id);
    }
}
