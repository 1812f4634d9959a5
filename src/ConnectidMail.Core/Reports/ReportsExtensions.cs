using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Reports;

public static class ReportsExtensions
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<EvidenceSigner>();
        return builder;
    }
}
