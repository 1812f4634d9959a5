using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Branding;

public static class BrandingExtensions
{
    /// <summary>The organisation's branding (<see cref="BrandingService"/>) and the cached <see cref="Brand"/> pages and mails use. After AddDatabase.</summary>
    public static IHostApplicationBuilder AddBranding(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BrandingCache>();
        // Registered after AddDatabase: hosted services start in order, so the start-up migration has run.
        builder.Services.AddHostedService<BrandingRefresher>();
        builder.Services.AddScoped<BrandingService>();
        return builder;
    }
}
