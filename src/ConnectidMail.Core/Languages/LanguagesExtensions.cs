using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Languages;

public static class LanguagesExtensions
{
    /// <summary>The recipients' languages: the default for mails and each address's chosen language.</summary>
    public static IHostApplicationBuilder AddLanguages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LanguageOptions>().Bind(builder.Configuration.GetSection(LanguageOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LanguageOptions>, LanguageOptionsValidator>();
        builder.Services.AddScoped<RecipientLanguages>();
        return builder;
    }
}
