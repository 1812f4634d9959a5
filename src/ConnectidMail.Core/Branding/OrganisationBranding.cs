using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Branding;

/// <summary>
/// The organisation's look in the portal and its mails, set by admins. One row (<see cref="SingletonId"/>); without it
/// the portal uses <c>Portal:OrganisationName</c> and its own colours.
/// </summary>
public sealed class OrganisationBranding
{
    public const int SingletonId = 1;
    public const int MaxNameLength = 100;
    public const int MaxContactLength = 254;

    public int Id { get; set; } = SingletonId;

    public required string OrganisationName { get; set; }

    /// <summary>Lowercase <c>#rrggbb</c> that passes <see cref="AccentColour.MeetsContrast"/>, or null for the portal's own.</summary>
    public string? AccentColour { get; set; }

    public string? SupportEmail { get; set; }

    public string? SupportPhone { get; set; }

    public string? SupportUrl { get; set; }

    /// <summary>PNG or JPEG bytes, checked by content (<see cref="LogoImage"/>); never SVG, which can carry script.</summary>
    public byte[]? Logo { get; set; }

    public string? LogoContentType { get; set; }

    /// <summary>Changes with every save, so pages can address the logo and theme by version and browsers may cache them.</summary>
    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class OrganisationBrandingConfiguration : IEntityTypeConfiguration<OrganisationBranding>
{
    public void Configure(EntityTypeBuilder<OrganisationBranding> builder)
    {
        builder.ToTable("OrganisationBranding");
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.OrganisationName).HasMaxLength(OrganisationBranding.MaxNameLength);
        builder.Property(b => b.AccentColour).HasMaxLength(7);
        builder.Property(b => b.SupportEmail).HasMaxLength(OrganisationBranding.MaxContactLength);
        builder.Property(b => b.SupportPhone).HasMaxLength(32);
        builder.Property(b => b.SupportUrl).HasMaxLength(OrganisationBranding.MaxContactLength);
        builder.Property(b => b.LogoContentType).HasMaxLength(32);
    }
}
