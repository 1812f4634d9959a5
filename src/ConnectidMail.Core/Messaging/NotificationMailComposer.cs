using ConnectidMail.Branding;
using ConnectidMail.Languages;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>
/// The mail that tells a recipient a message waits for them. It carries the link only: never the body, and the
/// subject only when <see cref="PolicyOptions.SubjectInNotification"/> allows it. In the recipient's language
/// (<see cref="RecipientLanguages"/>); English when none is given.
/// </summary>
public sealed class NotificationMailComposer(IOptions<PortalOptions> portal, IOptions<PolicyOptions> policy, BrandingCache branding)
{
    public const string Kind = "notification";

    public OutgoingMail Compose(
        MessageRecipient recipient, string linkToken, SenderIdentity sender, string subject, DateTimeOffset expiresAt, RecipientLocale? locale = null)
    {
        locale ??= RecipientLocale.For("en");
        string T(string key, params object?[] values) => MailText.Format(key, locale.Culture, values);
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        var mailSubject = policy.Value.SubjectInNotification
            ? $"{organisation}: {subject}"
            : T("Notification.Subject", organisation);
        return new BrandedMail(brand, mailSubject, locale.Culture)
            .Paragraph(T("Notification.Intro", sender.Email, organisation))
            .Link(T("Mail.OpenHere"), LinkFor(linkToken))
            .Paragraph(T("Notification.NotInMail", organisation, locale.Format(expiresAt)))
            .Why(T("Notification.Why", sender.Email, recipient.Email, organisation))
            .To(recipient.Email, Kind, recipient.Id);
    }

    /// <summary>The recipient's link: <c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>.</summary>
    public string LinkFor(string linkToken) => new Uri(portal.Value.BaseUri, "r/" + linkToken).AbsoluteUri;
}
