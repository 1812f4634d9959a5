using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Scanning;

public static class ScanningExtensions
{
    /// <summary>Malware scanners for uploads: ClamAV when <c>Scanning:ClamAv:Host</c> is set, otherwise none (scanning off).</summary>
    public static IHostApplicationBuilder AddScanning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScanningOptions>().Bind(builder.Configuration.GetSection(ScanningOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ScanningOptions>, ScanningOptionsValidator>();
        var clamAv = builder.Configuration.GetSection(ScanningOptions.Section).GetSection(nameof(ScanningOptions.ClamAv)).Get<ClamAvOptions>();
        if (clamAv?.Enabled == true)
        {
            builder.Services.AddSingleton<IFileScanner, ClamAvScanner>();
        }

        return builder;
    }
}
