using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Hardening;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed only from the proxies the operator names, so the
/// client IP that rate limits count and the audit trail records cannot be forged by a caller. With no proxy named,
/// the headers are ignored entirely.
/// </summary>
public static class TrustedProxies
{
    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProxySettings>().ValidateOnStart();
        builder.Services.AddSingleton<IConfigureOptions<ProxySettings>, ProxySettingsSetup>();
        builder.Services.AddSingleton<IValidateOptions<ProxySettings>, ProxySettingsValidator>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxySettings>>((options, proxies) =>
        {
            var settings = proxies.Value;
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = settings.ForwardLimit;
            // The framework trusts loopback by default; only what the operator configured is trusted.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in settings.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline, so everything after it sees the client's address and scheme.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxySettings>>().Value.IsConfigured)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}

/// <summary><c>Proxy:KnownProxies</c> (IP addresses), <c>Proxy:KnownNetworks</c> (CIDR), <c>Proxy:ForwardLimit</c> (hops).</summary>
public sealed class ProxySettings
{
    public const string Section = "Proxy";

    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxy hops in <c>X-Forwarded-For</c> are taken off, one per proxy in front of the portal.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool IsConfigured => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}

/// <summary>Reads the lists as numbered entries or one comma-separated value (easier in an environment variable).</summary>
internal sealed class ProxySettingsSetup(IConfiguration configuration) : IConfigureOptions<ProxySettings>
{
    public void Configure(ProxySettings options)
    {
        var section = configuration.GetSection(ProxySettings.Section);
        options.KnownProxies = List(section.GetSection(nameof(ProxySettings.KnownProxies)));
        options.KnownNetworks = List(section.GetSection(nameof(ProxySettings.KnownNetworks)));
        options.ForwardLimit = section.GetValue(nameof(ProxySettings.ForwardLimit), options.ForwardLimit);
    }

    private static List<string> List(IConfigurationSection setting)
    {
        var given = setting.GetChildren().Select(c => c.Value ?? "").ToList();
        if (given.Count == 0 && setting.Value is { } list)
        {
            given = [.. list.Split(',')];
        }

        return [.. given.Select(v => v.Trim()).Where(v => v.Length > 0)];
    }
}

internal sealed class ProxySettingsValidator : IValidateOptions<ProxySettings>
{
    public ValidateOptionsResult Validate(string? name, ProxySettings options)
    {
        var failures = options.KnownProxies
            .Where(p => !IPAddress.TryParse(p, out _))
            .Select(p => $"{ProxySettings.Section}:KnownProxies: '{p}' is not an IP address.")
            .Concat(options.KnownNetworks
                .Where(n => !System.Net.IPNetwork.TryParse(n, out _))
                .Select(n => $"{ProxySettings.Section}:KnownNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."))
            .ToList();
        if (options.ForwardLimit is < 1 or > 10)
        {
            failures.Add($"{ProxySettings.Section}:ForwardLimit must be between 1 and 10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
