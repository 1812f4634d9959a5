using ConnectidMail.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace ConnectidMail.Web.KeyRing;

public static class KeyRingExtensions
{
    /// <summary>A fixed application name keeps cookies valid across hosts and publish folders of one deployment.</summary>
    public const string ApplicationName = "ConnectidMail";

    public static WebApplicationBuilder AddKeyRing(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<ConnectidDbContext>();
        return builder;
    }
}
