using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Branding;

public static class BrandingExtensions
{
    /// <summary>The organisation's branding (<see cref="BrandingService"/>) and the cached <see cref="Brand"/> pages and mails use.</summary>
    public static IHostApplicationBuilder AddBranding(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BrandingCache>();
        builder.Services.AddScoped<BrandingService>();
        return builder;
    }
}
