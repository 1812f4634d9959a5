using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection(StorageOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<StorageOptionsSetup>();
        builder.Services.AddSingleton<IPostConfigureOptions<StorageOptions>>(sp => sp.GetRequiredService<StorageOptionsSetup>());
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>>(sp => sp.GetRequiredService<StorageOptionsSetup>());
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddHostedService<BlobStoreStartup>();
        return builder;
    }
}
