namespace ConnectidMail.Branding;

/// <summary>What pages and mails show of the organisation: a snapshot of <see cref="OrganisationBranding"/> without the logo's bytes.</summary>
public sealed record Brand(
    string OrganisationName,
    string AccentColour,
    string? SupportEmail,
    string? SupportPhone,
    string? SupportUrl,
    bool HasLogo,
    long Version)
{
    public bool HasSupportContact => SupportEmail is not null || SupportPhone is not null || SupportUrl is not null;
}

/// <summary>What an admin submits; empty texts mean "not set".</summary>
public sealed record BrandingSettings(string? OrganisationName, string? AccentColour, string? SupportEmail, string? SupportPhone, string? SupportUrl);

/// <summary>The outcome of a save: the new brand, or problems per field (<c>nameof</c> of <see cref="BrandingSettings"/>'s members).</summary>
public sealed record BrandingSaveResult(Brand? Saved, IReadOnlyDictionary<string, string> Problems);
