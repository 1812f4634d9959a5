using ConnectidMail.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Mail;

public static class MailExtensions
{
    /// <summary>
    /// The mail settings, the transactional outbox (<see cref="IMailOutbox"/>) and its dispatcher. After AddDatabase and
    /// AddKeys: queued content is encrypted under a key derived from the master key.
    /// </summary>
    public static IHostApplicationBuilder AddMail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MailOptions>()
            .Bind(builder.Configuration.GetSection(MailOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxWakeUpInterceptor>();
        builder.Services.ConfigureDbContext<ConnectidDbContext>(
            (services, options) => options.AddInterceptors(services.GetRequiredService<OutboxWakeUpInterceptor>()));
        builder.Services.AddSingleton<OutboxContentCipher>();
        builder.Services.AddScoped<IMailOutbox, MailOutbox>();
        builder.Services.AddSingleton<OutboxStore>();
        builder.Services.AddHostedService<OutboxDispatcher>();
        return builder;
    }
}
