using System.Globalization;
using System.Text.Encodings.Web;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>The mail holding a one-time code (as a run of 8 digits). The code is in the body only, never in the subject, so lock screens do not show it.</summary>
public sealed class CodeMailComposer(IOptions<PortalOptions> portal, IOptions<VerificationOptions> options)
{
    public const string Kind = "code";

    public OutgoingMail Compose(string email, string code, DateTimeOffset expiresAt)
    {
        var organisation = portal.Value.OrganisationName;
        var minutes = options.Value.CodeLifetimeMinutes;
        var until = expiresAt.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var subject = $"{organisation}: your one-time code";
        var text = $"""
            Your one-time code for {organisation}'s secure portal:

            {code}

            It works once, for {minutes} minutes (until {until}). Type it on the page where you asked for it.
            Never tell it to anyone: {organisation} will never ask you for it by phone or mail.

            Why did I get this? Someone asked for a code to read secure messages sent to {email}. If that was not you,
            you can ignore this mail: without the code nobody can read them.
            """;
        var html = HtmlEncoder.Default;
        var body = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{html.Encode(subject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>Your one-time code for {html.Encode(organisation)}'s secure portal:</p>
            <p style="font-size: 1.6em; font-weight: bold; letter-spacing: 0.15em;">{code}</p>
            <p>It works once, for {minutes} minutes (until {html.Encode(until)}). Type it on the page where you asked for it.
            Never tell it to anyone: {html.Encode(organisation)} will never ask you for it by phone or mail.</p>
            <p style="color: #555555; font-size: 0.9em;">Why did I get this? Someone asked for a code to read secure messages sent to
            {html.Encode(email)}. If that was not you, you can ignore this mail: without the code nobody can read them.</p>
            </body></html>
            """;
        return new OutgoingMail(email, subject, text, body, Kind);
    }
}
