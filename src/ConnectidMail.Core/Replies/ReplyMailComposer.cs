using ConnectidMail.Branding;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Replies;

/// <summary>
/// The mails a thread causes. They carry a link only, never the reply, its files or the message's subject: the sender's
/// mail links to the message's page in the portal, the recipient's mail carries a new link of theirs.
/// </summary>
public sealed class ReplyMailComposer(IOptions<PortalOptions> portal, NotificationMailComposer notifications, BrandingCache branding)
{
    public const string SenderKind = "reply";
    public const string RecipientKind = "answer";

    /// <summary>Tells the sender, at their account address, that a recipient replied.</summary>
    public OutgoingMail ComposeForSender(string senderEmail, Guid messageId, Guid replyId)
    {
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        return new BrandedMail(brand, $"{organisation}: a recipient replied to your secure message")
            .Paragraph($"A recipient replied to a secure message you sent through {organisation}'s portal.")
            .Link("Read the reply in the portal (sign in first):", new Uri(portal.Value.BaseUri, $"messages/{messageId}").AbsoluteUri)
            .Paragraph("The reply is not in this mail: it stays encrypted in the portal.")
            .Why($"You sent a secure message from your account {senderEmail} in {organisation}'s secure-mail portal, and its recipient replied.")
            .To(senderEmail, SenderKind, replyId);
    }

    /// <summary>
    /// Tells a recipient that the sender answered, with a new link of theirs (<c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>),
    /// in the recipient's language (<see cref="RecipientLanguages"/>); English when none is given.
    /// </summary>
    public OutgoingMail ComposeForRecipient(MessageRecipient recipient, string linkToken, string senderEmail, RecipientLocale? locale = null)
    {
        locale ??= RecipientLocale.For("en");
        string T(string key, params object?[] values) => MailText.Format(key, locale.Culture, values);
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        return new BrandedMail(brand, T("Answer.Subject", organisation), locale.Culture)
            .Paragraph(T("Answer.Intro", senderEmail, organisation))
            .Link(T("Mail.OpenHere"), notifications.LinkFor(linkToken))
            .Paragraph(T("Answer.NotInMail", organisation))
            .Why(T("Answer.Why", senderEmail, recipient.Email, organisation))
            .To(recipient.Email, RecipientKind, recipient.Id);
    }
}
