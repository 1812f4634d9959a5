using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Consent;

public static class ConsentExtensions
{
    public static IHostApplicationBuilder AddConsent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsentOptions>().Bind(builder.Configuration.GetSection(ConsentOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Version) && o.Version.Length <= 64, "Consent:Version must be 1 to 64 characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ConsentTexts>();
        builder.Services.AddScoped<ConsentService>();
        return builder;
    }
}
