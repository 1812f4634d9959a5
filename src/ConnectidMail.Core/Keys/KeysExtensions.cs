using ConnectidMail.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Keys;

public static class KeysExtensions
{
    /// <summary>The master key (configuration or key file), the KEKs and DEKs in the database, and the first KEK at start-up. After AddDatabase.</summary>
    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        builder.AddCrypto();
        builder.Services.AddSingleton<IValidateOptions<KeysOptions>, KeyFilePlacementValidator>();
        builder.Services.AddSingleton<KeyEncryptionKeyCache>();
        builder.Services.AddScoped<KeyStore>();
        builder.Services.AddHostedService<KeysStartup>();
        return builder;
    }
}
