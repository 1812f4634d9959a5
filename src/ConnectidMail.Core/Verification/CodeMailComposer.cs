using System.Globalization;
using ConnectidMail.Branding;
using ConnectidMail.Mail;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

/// <summary>The mail holding a one-time code (as a run of 8 digits). The code is in the body only, never in the subject, so lock screens do not show it.</summary>
public sealed class CodeMailComposer(IOptions<VerificationOptions> options, BrandingCache branding)
{
    public const string Kind = "code";

    public OutgoingMail Compose(string email, string code, DateTimeOffset expiresAt)
    {
        var brand = branding.Current;
        var organisation = brand.OrganisationName;
        var minutes = options.Value.CodeLifetimeMinutes;
        var until = expiresAt.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new BrandedMail(brand, $"{organisation}: your one-time code")
            .Paragraph($"Your one-time code for {organisation}'s secure portal:")
            .Code(code)
            .Paragraph($"It works once, for {minutes} minutes (until {until}). Type it on the page where you asked for it. "
                + $"Never tell it to anyone: {organisation} will never ask you for it by phone or mail.")
            .Why($"Someone asked for a code to read secure messages sent to {email} in {organisation}'s secure-mail portal. "
                + "If that was not you, you can ignore this mail: without the code nobody can read them.")
            .To(email, Kind);
    }
}
