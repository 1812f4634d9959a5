using System.Data.Common;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Branding;

/// <summary>
/// The current <see cref="Brand"/> for pages and mail composers, held in memory so rendering a page or composing a mail
/// never waits for the database: loaded at start-up, replaced at once after a save in this process, and re-read every
/// minute (<see cref="BrandingRefresher"/>) so other portal instances' changes show too.
/// </summary>
public sealed class BrandingCache(IServiceScopeFactory scopes, IOptions<PortalOptions> portal)
{
    private volatile Brand? current;

    public Brand Current => current ?? Defaults();

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        var row = await db.OrganisationBranding.AsNoTracking()
            .Where(b => b.Id == OrganisationBranding.SingletonId)
            .Select(b => new { b.OrganisationName, b.AccentColour, b.SupportEmail, b.SupportPhone, b.SupportUrl, HasLogo = b.Logo != null, b.Version })
            .SingleOrDefaultAsync(cancellationToken);
        current = row is null
            ? Defaults()
            : new Brand(row.OrganisationName, row.AccentColour ?? AccentColour.Default, row.SupportEmail, row.SupportPhone, row.SupportUrl, row.HasLogo, row.Version);
    }

    internal void Replace(Brand brand) => current = brand;

    internal Brand Defaults() => new(portal.Value.OrganisationName, AccentColour.Default, null, null, null, false, 0);

    internal static Brand From(OrganisationBranding row) =>
        new(row.OrganisationName, row.AccentColour ?? AccentColour.Default, row.SupportEmail, row.SupportPhone, row.SupportUrl, row.Logo is not null, row.Version);
}

/// <summary>Loads the branding before the portal takes requests (after the start-up migration), then once a minute.</summary>
internal sealed class BrandingRefresher(BrandingCache cache, TimeProvider clock, ILogger<BrandingRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await cache.RefreshAsync(cancellationToken);
        }
        catch (DbException e)
        {
            // E.g. a PostgreSQL database not migrated yet: the defaults stay until the next try.
            logger.LogWarning(e, "The organisation's branding could not be read; the portal's defaults are used until the next try");
        }
    }
}
