using ConnectidMail.Mail;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

public static class MessagingExtensions
{
    /// <summary>Messages: the portal and policy settings, sending, the notification mails' receipts and the expiry job. After AddMail and AddKeys.</summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PolicyOptions>().Bind(builder.Configuration.GetSection(PolicyOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IConfigureOptions<PolicyOptions>, AllowedFileTypesSetup>();
        builder.Services.AddSingleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>();
        builder.Services.AddOptions<PortalOptions>().Bind(builder.Configuration.GetSection(PortalOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();

        builder.Services.AddSingleton<NotificationMailComposer>();
        builder.Services.AddSingleton<MessageActivity>();
        builder.Services.AddScoped<MessageService>();
        builder.Services.AddScoped<MessageExpiry>();
        builder.Services.AddScoped<RecipientMessages>();
        builder.Services.AddScoped<RecipientLinks>();
        builder.Services.AddScoped<IOutboxDeliveryListener, NotificationDeliveryListener>();
        builder.Services.AddScoped<IOutboxWithdrawal, NotificationWithdrawal>();
        builder.Services.AddHostedService<MessageExpiryJob>();
        return builder;
    }
}
