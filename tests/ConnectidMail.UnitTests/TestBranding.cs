using ConnectidMail.Branding;
using ConnectidMail.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests;

internal static class TestBranding
{
    /// <summary>A cache holding <paramref name="brand"/>; nothing refreshes it from a database here.</summary>
    public static BrandingCache Holding(Brand brand)
    {
        var cache = new BrandingCache(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new PortalOptions()));
        cache.Replace(brand);
        return cache;
    }

    public static BrandingCache Named(string organisation) =>
        Holding(new Brand(organisation, AccentColour.Default, null, null, null, false, 1));
}
