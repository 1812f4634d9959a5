using Microsoft.Extensions.Options;

namespace ConnectidMail.Messaging;

/// <summary>How the portal names itself in mails and links (<c>Portal:*</c>).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The address recipients reach the portal at; links in mails start with it.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>The organisation's name, shown in mails and pages.</summary>
    public string OrganisationName { get; set; } = "ConnectidMail";

    public Uri BaseUri => new(PublicBaseUrl.TrimEnd('/') + "/");
}

internal sealed class PortalOptionsValidator : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            failures.Add($"Portal:PublicBaseUrl '{options.PublicBaseUrl}' must be an absolute http(s) address without query, fragment or user name.");
        }

        if (string.IsNullOrWhiteSpace(options.OrganisationName) || options.OrganisationName.AsSpan().ContainsAny('\r', '\n'))
        {
            failures.Add("Portal:OrganisationName must be a single line of text.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
