using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Uploads;

public static class UploadsExtensions
{
    /// <summary>The checks of uploaded files (type allow-list, content sniffing, malware scanners). After AddScanning, AddMessaging and AddAuditTrail.</summary>
    public static IHostApplicationBuilder AddUploadChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UploadChecks>();
        builder.Services.AddSingleton<UploadRejections>();
        return builder;
    }
}
