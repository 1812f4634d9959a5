using ConnectidMail.Messaging;
using Fido2NetLib;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Passkeys;

public static class PasskeysExtensions
{
    /// <summary>Recipient passkeys through the Fido2 library, for the portal's own origin. After AddMessaging (portal settings).</summary>
    public static IHostApplicationBuilder AddPasskeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasskeyOptions>().Bind(builder.Configuration.GetSection(PasskeyOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PasskeyOptions>, PasskeyOptionsValidator>();
        builder.Services.AddSingleton(services =>
        {
            var portal = services.GetRequiredService<IOptions<PortalOptions>>().Value;
            var passkeys = services.GetRequiredService<IOptions<PasskeyOptions>>().Value;
            var baseUri = portal.BaseUri;
            return new Fido2Configuration
            {
                RPID = string.IsNullOrWhiteSpace(passkeys.RelyingPartyId) ? baseUri.Host : passkeys.RelyingPartyId.Trim(),
                RPName = portal.OrganisationName,
                // The browser reports the origin without a trailing slash and with the default port left out.
                Origins = new HashSet<string> { baseUri.GetLeftPart(UriPartial.Authority) },
                Timeout = (uint)passkeys.ChallengeLifetime.TotalMilliseconds,
            };
        });
        builder.Services.AddSingleton<IFido2>(services => new Fido2(services.GetRequiredService<Fido2Configuration>()));
        builder.Services.AddScoped<RecipientPasskeys>();
        return builder;
    }
}
