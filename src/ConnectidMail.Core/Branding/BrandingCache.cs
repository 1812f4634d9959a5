using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Branding;

/// <summary>
/// The current <see cref="Brand"/> for pages and mail composers, read from the database at most once a minute (other
/// portal instances' changes show within that) and at once after a save in this process.
/// </summary>
public sealed class BrandingCache(IServiceScopeFactory scopes, IOptions<PortalOptions> portal, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private (Brand Brand, DateTimeOffset LoadedAt)? cached;

    public Brand Current
    {
        get
        {
            var now = clock.GetUtcNow();
            if (cached is { } hit && now - hit.LoadedAt < Lifetime)
            {
                return hit.Brand;
            }

            using var scope = scopes.CreateScope();
            var brand = Load(scope.ServiceProvider.GetRequiredService<ConnectidDbContext>());
            cached = (brand, now);
            return brand;
        }
    }

    internal void Replace(Brand brand) => cached = (brand, clock.GetUtcNow());

    private Brand Load(ConnectidDbContext db)
    {
        var row = db.OrganisationBranding.AsNoTracking()
            .Where(b => b.Id == OrganisationBranding.SingletonId)
            .Select(b => new { b.OrganisationName, b.AccentColour, b.SupportEmail, b.SupportPhone, b.SupportUrl, HasLogo = b.Logo != null, b.Version })
            .SingleOrDefault();
        return row is null
            ? Defaults()
            : new Brand(row.OrganisationName, row.AccentColour ?? AccentColour.Default, row.SupportEmail, row.SupportPhone, row.SupportUrl, row.HasLogo, row.Version);
    }

    internal Brand Defaults() => new(portal.Value.OrganisationName, AccentColour.Default, null, null, null, false, 0);

    internal static Brand From(OrganisationBranding row) =>
        new(row.OrganisationName, row.AccentColour ?? AccentColour.Default, row.SupportEmail, row.SupportPhone, row.SupportUrl, row.Logo is not null, row.Version);
}
