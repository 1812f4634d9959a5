using Microsoft.Extensions.Options;

namespace ConnectidMail.Languages;

/// <summary>The recipient side's languages (<c>Languages:Default</c>): English and Danish.</summary>
public sealed class LanguageOptions
{
    public const string Section = "Languages";

    /// <summary>The languages recipients can choose; the first is English, which anything else falls back to.</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "da"];

    /// <summary>The language of mails to an address that has not chosen one yet ("en" or "da").</summary>
    public string Default { get; set; } = "en";

    /// <summary>"da" for Danish (any "da-…" too), "en" for anything else.</summary>
    public static string Normalise(string? language) =>
        language is not null && language.StartsWith("da", StringComparison.OrdinalIgnoreCase) ? "da" : "en";
}

internal sealed class LanguageOptionsValidator : IValidateOptions<LanguageOptions>
{
    public ValidateOptionsResult Validate(string? name, LanguageOptions options) =>
        LanguageOptions.Supported.Contains(options.Default)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Languages:Default '{options.Default}' must be one of: {string.Join(", ", LanguageOptions.Supported)}.");
}
