using ConnectidMail.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Audit;

public static class AuditExtensions
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>()
            .Bind(builder.Configuration.GetSection(AuditOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        // The web project replaces this with the HTTP request's address and browser.
        builder.Services.TryAddSingleton<IAuditRequestOrigin, NoRequestOrigin>();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddScoped<AuditVerifier>();
        builder.Services.AddScoped<AuditSearch>();
        builder.Services.AddScoped<AuditCheckpoints>();
        builder.Services.AddSingleton<CheckpointWitnessMailComposer>();
        builder.Services.AddHostedService<AuditCheckpointWorker>();
        builder.Services.AddSingleton<AuditChainInterceptor>();
        builder.Services.ConfigureDbContext<ConnectidDbContext>(
            (services, options) => options.AddInterceptors(services.GetRequiredService<AuditChainInterceptor>()));
        return builder;
    }
}
