using System.Globalization;
using ConnectidMail.Branding;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>
/// The mail that tells a recipient a message waits for them. It carries the link only: never the body, and the
/// subject only when <see cref="PolicyOptions.SubjectInNotification"/> allows it.
/// </summary>
public sealed class NotificationMailComposer(IOptions<PortalOptions> portal, IOptions<PolicyOptions> policy, BrandingCache branding)
{
    public const string Kind = "notification";

    public OutgoingMail Compose(MessageRecipient recipient, string linkToken, SenderIdentity sender, string subject, DateTimeOffset expiresAt)
    {
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        var mailSubject = policy.Value.SubjectInNotification
            ? $"{organisation}: {subject}"
            : $"{organisation}: you have a secure message";
        var expires = expiresAt.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new BrandedMail(brand, mailSubject)
            .Paragraph($"{sender.Email} at {organisation} has sent you a secure message.")
            .Link("Open it here:", LinkFor(linkToken))
            .Paragraph($"The message is not in this mail: it waits for you in {organisation}'s secure portal, where you confirm your "
                + $"e-mail address with a one-time code before you read it. The link works until {expires}.")
            .Why($"{organisation} sent you a secure message via its secure-mail portal. You get this mail because {sender.Email} "
                + $"addressed a message to {recipient.Email}. If you did not expect it, you can ignore this mail.")
            .To(recipient.Email, Kind, recipient.Id);
    }

    /// <summary>The recipient's link: <c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>.</summary>
    public string LinkFor(string linkToken) => new Uri(portal.Value.BaseUri, "r/" + linkToken).AbsoluteUri;
}
