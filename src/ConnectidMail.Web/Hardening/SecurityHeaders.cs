using Microsoft.Extensions.Primitives;

namespace ConnectidMail.Web.Hardening;

/// <summary>
/// The headers every answer carries: one strict Content-Security-Policy, no referrer (links carry tokens), no MIME
/// sniffing, no powerful browser features except passkeys, and HSTS outside Development. An endpoint that sets a
/// stricter policy of its own (downloads: <c>sandbox</c>; the plain link pages) keeps it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts and styles only from the portal's own files (no inline script, no eval); Blazor's circuit connects to the
    /// portal itself. <c>base-uri 'self'</c>, not <c>'none'</c>: Blazor resolves its routes against the page's own
    /// <c>&lt;base href="/"&gt;</c>, which <c>'none'</c> would drop; an injected base pointing elsewhere is still refused.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; frame-src 'none'; worker-src 'none'";

    /// <summary>Features the portal never uses are off for it and any frame; passkeys (WebAuthn) stay on for the portal itself.</summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), "
        + "gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
        + "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=(), browsing-topics=(), "
        + "publickey-credentials-create=(self), publickey-credentials-get=(self)";

    public static WebApplicationBuilder AddSecurityHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = true;
        });
        return builder;
    }

    /// <summary>First in the pipeline, so error pages, status-code pages, static files and refusals carry the headers too.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!HasOwnPolicy(headers.ContentSecurityPolicy))
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                }

                headers["Referrer-Policy"] = "no-referrer";
                headers.XContentTypeOptions = "nosniff";
                headers["Permissions-Policy"] = PermissionsPolicy;
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(context);
        });

        if (!app.Environment.IsDevelopment())
        {
            // Only on https answers (browsers ignore it on http); localhost is left out so development on it keeps working.
            app.UseHsts();
        }

        return app;
    }

    /// <summary>
    /// A policy an endpoint set itself, other than Blazor's bare <c>frame-ancestors</c> one (which the full policy
    /// includes, as <c>'none'</c>).
    /// </summary>
    private static bool HasOwnPolicy(StringValues policies) =>
        policies.Any(policy => !string.IsNullOrWhiteSpace(policy) && !policy.TrimStart().StartsWith("frame-ancestors", StringComparison.OrdinalIgnoreCase));
}
