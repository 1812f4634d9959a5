using System.Globalization;
using System.Text.Encodings.Web;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>
/// The mail that tells a recipient a message waits for them. It carries the link only: never the body, and the
/// subject only when <see cref="PolicyOptions.SubjectInNotification"/> allows it.
/// </summary>
public sealed class NotificationMailComposer(IOptions<PortalOptions> portal, IOptions<PolicyOptions> policy)
{
    public const string Kind = "notification";

    public OutgoingMail Compose(MessageRecipient recipient, string linkToken, SenderIdentity sender, string subject, DateTimeOffset expiresAt)
    {
        var organisation = portal.Value.OrganisationName;
        var link = LinkFor(linkToken);
        var mailSubject = policy.Value.SubjectInNotification
            ? $"{organisation}: {subject}"
            : $"{organisation}: you have a secure message";
        var expires = expiresAt.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

        var text = $"""
            {sender.Email} at {organisation} has sent you a secure message.

            Open it here:
            {link}

            The message is not in this mail: it waits for you in {organisation}'s secure portal, where you confirm your
            e-mail address with a one-time code before you read it. The link works until {expires}.

            Why did I get this? {sender.Email} sent confidential information to {recipient.Email} through {organisation}'s
            secure mail portal. If you did not expect it, you can ignore this mail.
            """;

        var html = HtmlEncoder.Default;
        var body = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{html.Encode(mailSubject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>{html.Encode(sender.Email)} at {html.Encode(organisation)} has sent you a secure message.</p>
            <p><a href="{html.Encode(link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 4px;">Open the message</a></p>
            <p>Or copy this address into your browser: <br>{html.Encode(link)}</p>
            <p>The message is not in this mail: it waits for you in {html.Encode(organisation)}'s secure portal, where you confirm your
            e-mail address with a one-time code before you read it. The link works until {html.Encode(expires)}.</p>
            <p style="color: #555555; font-size: 0.9em;">Why did I get this? {html.Encode(sender.Email)} sent confidential information to
            {html.Encode(recipient.Email)} through {html.Encode(organisation)}'s secure mail portal. If you did not expect it, you can ignore this mail.</p>
            </body></html>
            """;

        return new OutgoingMail(recipient.Email, mailSubject, text, body, Kind, recipient.Id);
    }

    /// <summary>The recipient's link: <c>&lt;PublicBaseUrl&gt;/r/&lt;token&gt;</c>.</summary>
    public string LinkFor(string linkToken) => new Uri(portal.Value.BaseUri, "r/" + linkToken).AbsoluteUri;
}
