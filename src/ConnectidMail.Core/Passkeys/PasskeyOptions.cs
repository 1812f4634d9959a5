using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Passkeys;

/// <summary>Recipient passkeys (<c>Passkeys:*</c>). The relying party and origin follow <c>Portal:PublicBaseUrl</c>.</summary>
public sealed class PasskeyOptions
{
    public const string Section = "Passkeys";

    /// <summary>The WebAuthn relying-party id; empty means the host of <c>Portal:PublicBaseUrl</c>.</summary>
    public string? RelyingPartyId { get; set; }

    /// <summary>How long a ceremony's challenge is accepted.</summary>
    public int ChallengeLifetimeMinutes { get; set; } = 5;

    /// <summary>Removing a passkey needs a verification at most this long ago.</summary>
    public int RecentVerificationMinutes { get; set; } = 5;

    public TimeSpan ChallengeLifetime => TimeSpan.FromMinutes(ChallengeLifetimeMinutes);

    public TimeSpan RecentVerification => TimeSpan.FromMinutes(RecentVerificationMinutes);
}

internal sealed class PasskeyOptionsValidator(IOptions<PortalOptions> portal) : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        var failures = new List<string>();
        if (options.ChallengeLifetimeMinutes is < 1 or > 30)
        {
            failures.Add($"Passkeys:ChallengeLifetimeMinutes must be between 1 and 30 (is {options.ChallengeLifetimeMinutes}).");
        }

        if (options.RecentVerificationMinutes is < 1 or > 60)
        {
            failures.Add($"Passkeys:RecentVerificationMinutes must be between 1 and 60 (is {options.RecentVerificationMinutes}).");
        }

        // A relying-party id must be the origin's host or a registrable suffix of it, or browsers refuse every ceremony.
        if (!string.IsNullOrWhiteSpace(options.RelyingPartyId) && Uri.TryCreate(portal.Value.PublicBaseUrl, UriKind.Absolute, out var uri)
            && !string.Equals(uri.Host, options.RelyingPartyId, StringComparison.OrdinalIgnoreCase)
            && !uri.Host.EndsWith("." + options.RelyingPartyId, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Passkeys:RelyingPartyId '{options.RelyingPartyId}' must be the host of Portal:PublicBaseUrl ('{uri.Host}') or a domain it is under.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
