using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Branding;

/// <summary>Admins' changes to the organisation's branding; each one is a policy change in the audit trail.</summary>
public sealed class BrandingService(ConnectidDbContext db, BrandingCache cache, AuditTrail audit, TimeProvider clock, ILogger<BrandingService> logger)
{
    /// <summary>Checks and stores the settings, all or nothing; an accent colour below AA contrast is refused with a darker suggestion.</summary>
    public async Task<BrandingSaveResult> SaveAsync(BrandingSettings settings, AuditActor actor, CancellationToken cancellationToken = default)
    {
        var problems = new Dictionary<string, string>();
        var name = Clean(settings.OrganisationName);
        if (name is null)
        {
            problems[nameof(BrandingSettings.OrganisationName)] = "Give the organisation's name.";
        }
        else if (name.Length > OrganisationBranding.MaxNameLength || name.Any(char.IsControl))
        {
            problems[nameof(BrandingSettings.OrganisationName)] = $"The name must be one line of at most {OrganisationBranding.MaxNameLength} characters.";
        }

        string? accent = null;
        if (Clean(settings.AccentColour) is { } accentText)
        {
            if (!AccentColour.TryParse(accentText, out var parsed))
            {
                problems[nameof(BrandingSettings.AccentColour)] = "Give the colour as #rrggbb, for example #1f4e79.";
            }
            else if (!AccentColour.MeetsContrast(parsed))
            {
                problems[nameof(BrandingSettings.AccentColour)] =
                    $"{parsed} has a contrast of {AccentColour.WorstContrast(parsed):0.0}:1 with white text and the page background; "
                    + $"at least {AccentColour.MinimumContrast}:1 is needed. A darker shade that passes: {AccentColour.DarkenedToMeetContrast(parsed)}.";
            }
            else
            {
                accent = parsed;
            }
        }

        var email = Clean(settings.SupportEmail);
        if (email is not null && !SupportContact.IsEmail(email))
        {
            problems[nameof(BrandingSettings.SupportEmail)] = "Give one e-mail address, for example support@example.org.";
        }

        var phone = Clean(settings.SupportPhone);
        if (phone is not null && !SupportContact.IsPhone(phone))
        {
            problems[nameof(BrandingSettings.SupportPhone)] = "Give a phone number of 6 to 20 digits, for example +45 12 34 56 78.";
        }

        var url = Clean(settings.SupportUrl);
        if (url is not null && !SupportContact.IsUrl(url))
        {
            problems[nameof(BrandingSettings.SupportUrl)] = "Give a full https:// address, for example https://example.org/help.";
        }

        if (problems.Count > 0)
        {
            return new BrandingSaveResult(null, problems);
        }

        // A new row starts without a name, so every setting given the first time counts as changed.
        var row = await FindOrAddAsync("", cancellationToken);
        var changed = new List<string>();
        Set(row.OrganisationName, name!, v => row.OrganisationName = v!, "organisationName");
        Set(row.AccentColour, accent, v => row.AccentColour = v, "accentColour");
        Set(row.SupportEmail, email, v => row.SupportEmail = v, "supportEmail");
        Set(row.SupportPhone, phone, v => row.SupportPhone = v, "supportPhone");
        Set(row.SupportUrl, url, v => row.SupportUrl = v, "supportUrl");
        if (changed.Count > 0)
        {
            await CommitAsync(row, actor, changed, cancellationToken);
        }

        return new BrandingSaveResult(BrandingCache.From(row), new Dictionary<string, string>());

        void Set(string? current, string? value, Action<string?> assign, string field)
        {
            if (!string.Equals(current, value, StringComparison.Ordinal))
            {
                assign(value);
                changed.Add(field);
            }
        }
    }

    /// <summary>Stores a new logo after <see cref="LogoImage.Check"/>; returns the problem, or null.</summary>
    public async Task<LogoProblem?> SetLogoAsync(byte[] bytes, AuditActor actor, CancellationToken cancellationToken = default)
    {
        var (contentType, problem) = LogoImage.Check(bytes);
        if (problem is not null)
        {
            return problem;
        }

        var row = await FindOrAddAsync(cache.Defaults().OrganisationName, cancellationToken);
        row.Logo = bytes;
        row.LogoContentType = contentType;
        await CommitAsync(row, actor, ["logo"], cancellationToken, new { logoType = contentType, logoBytes = bytes.Length });
        return null;
    }

    public async Task RemoveLogoAsync(AuditActor actor, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(cancellationToken) is { Logo: not null } row)
        {
            row.Logo = null;
            row.LogoContentType = null;
            await CommitAsync(row, actor, ["logo"], cancellationToken);
        }
    }

    /// <summary>The logo's bytes and type, or null when none is set.</summary>
    public async Task<(byte[] Bytes, string ContentType)?> GetLogoAsync(CancellationToken cancellationToken = default)
    {
        var logo = await db.OrganisationBranding.AsNoTracking()
            .Where(b => b.Id == OrganisationBranding.SingletonId && b.Logo != null)
            .Select(b => new { b.Logo, b.LogoContentType })
            .SingleOrDefaultAsync(cancellationToken);
        return logo is null ? null : (logo.Logo!, logo.LogoContentType!);
    }

    private Task<OrganisationBranding?> FindAsync(CancellationToken cancellationToken) =>
        db.OrganisationBranding.SingleOrDefaultAsync(b => b.Id == OrganisationBranding.SingletonId, cancellationToken);

    private async Task<OrganisationBranding> FindOrAddAsync(string name, CancellationToken cancellationToken)
    {
        if (await FindAsync(cancellationToken) is { } row)
        {
            return row;
        }

        row = new OrganisationBranding { OrganisationName = name };
        db.OrganisationBranding.Add(row);
        return row;
    }

    private async Task CommitAsync(OrganisationBranding row, AuditActor actor, IReadOnlyList<string> changed, CancellationToken cancellationToken, object? extra = null)
    {
        row.Version++;
        row.UpdatedAt = clock.GetUtcNow();
        // Names of the changed settings, not their values: the trail says what changed and who did it.
        audit.Record(db, actor, AuditActions.PolicyChanged, new AuditSubjects(SubjectId: "branding"), new { setting = "branding", changed, extra });
        await db.SaveChangesAsync(cancellationToken);
        cache.Replace(BrandingCache.From(row));
        logger.LogInformation("Branding changed ({Changed}), version {Version}", string.Join(", ", changed), row.Version);
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
