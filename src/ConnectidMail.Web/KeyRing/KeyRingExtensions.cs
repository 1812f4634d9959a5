using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.KeyRing;

public static class KeyRingExtensions
{
    /// <summary>A fixed application name keeps cookies valid across hosts and publish folders of one deployment.</summary>
    public const string ApplicationName = "ConnectidMail";

    public static WebApplicationBuilder AddKeyRing(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = ActivatorUtilities.CreateInstance<EncryptedKeyRingRepository>(services);
            options.XmlEncryptor = ActivatorUtilities.CreateInstance<MasterKeyXmlEncryptor>(services);
        }));
        return builder;
    }
}
