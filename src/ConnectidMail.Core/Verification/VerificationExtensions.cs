using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Verification;

public static class VerificationExtensions
{
    /// <summary>One-time codes and server-side sessions for recipients. After AddMail, AddKeys and AddMessaging (portal settings).</summary>
    public static IHostApplicationBuilder AddVerification(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<VerificationOptions>().Bind(builder.Configuration.GetSection(VerificationOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<VerificationOptions>, VerificationOptionsValidator>();
        builder.Services.AddSingleton<VerificationCodeCipher>();
        builder.Services.AddSingleton<CodeMailComposer>();
        builder.Services.AddScoped<VerificationCodes>();
        builder.Services.AddOptions<RecipientSessionOptions>().Bind(builder.Configuration.GetSection(RecipientSessionOptions.Section))
            .Validate(o => o.SessionIdleMinutes >= 1 && o.SessionAbsoluteHours >= 1, "Recipients:SessionIdleMinutes and Recipients:SessionAbsoluteHours must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddScoped<RecipientSessions>();
        return builder;
    }
}
