using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using ConnectidMail.Web.Recipient;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Hardening;

/// <summary>
/// Request limits with ASP.NET Core's rate limiter, before any costly work (password hashing, key look-ups, mail):
/// each limited action counts per client IP and, where there is one, per subject (the recipient of the link, the
/// sign-in address, the API key). A refused caller gets 429 with <c>Retry-After</c>, as a page or problem details.
/// Endpoints and pages opt in with <see cref="RateLimitedAttribute"/> or <see cref="RequireRateLimit"/>.
/// </summary>
public static class RateLimits
{
    public const string CodeRequests = "CodeRequests";
    public const string CodeChecks = "CodeChecks";
    public const string LinkLookups = "LinkLookups";
    public const string StaffSignIn = "StaffSignIn";

    /// <summary>Passkey ceremonies (options and assertions), staff and recipients alike.</summary>
    public const string Passkeys = "Passkeys";

    public const string ApiKeys = "ApiKeys";

    /// <summary>Forms larger than this are not read ahead for their handler name (limited forms are small).</summary>
    private const long MaxPeekedFormBytes = 64 * 1024;

    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitSettings>().BindConfiguration(RateLimitSettings.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RateLimitSettings>, RateLimitSettingsValidator>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitSettings>, ILoggerFactory>((options, settings, logs) =>
        {
            var log = logs.CreateLogger(typeof(RateLimits).FullName!);
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => ClientPartition(http, settings.Value)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => SubjectPartition(http, settings.Value)));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => RejectAsync(context, log);
        });
        return builder;
    }

    /// <summary>After routing (the endpoint says what it is) and before authentication (API keys are looked up there).</summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        // A page with several forms is limited per form: read a small posted form now, so its handler name is known.
        app.Use(async (http, next) =>
        {
            if (HttpMethods.IsPost(http.Request.Method)
                && http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
                && http.Request.ContentLength is <= MaxPeekedFormBytes
                && http.GetEndpoint()?.Metadata.GetOrderedMetadata<RateLimitedAttribute>().Any(a => a.FormName is not null) == true)
            {
                await http.Request.ReadFormAsync(http.RequestAborted);
            }

            await next(http);
        });
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Counts the endpoint's requests under <paramref name="action"/>, e.g. a recipient passkey ceremony under <see cref="Passkeys"/>.</summary>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RateLimitedAttribute(action));

    private static RateLimitPartition<string> ClientPartition(HttpContext http, RateLimitSettings settings) =>
        Action(http) is { } action
            ? Window($"{action}|client|{http.Connection.RemoteIpAddress}", settings.For(action).PerClient, settings.For(action))
            : RateLimitPartition.GetNoLimiter("");

    private static RateLimitPartition<string> SubjectPartition(HttpContext http, RateLimitSettings settings) =>
        Action(http) is { } action && Subject(action, http) is { } subject
            ? Window($"{action}|subject|{subject}", settings.For(action).PerSubject, settings.For(action))
            : RateLimitPartition.GetNoLimiter("");

    private static RateLimitPartition<string> Window(string key, int permits, RateLimitRule rule) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromSeconds(rule.WindowSeconds),
            QueueLimit = 0,
        });

    /// <summary>The limited action this request is, if any: the endpoint's, for a page only when its named form is posted.</summary>
    private static string? Action(HttpContext http)
    {
        var handler = HttpMethods.IsPost(http.Request.Method) ? http.Features.Get<IFormFeature>()?.Form?["_handler"].ToString() : null;
        return http.GetEndpoint()?.Metadata.GetOrderedMetadata<RateLimitedAttribute>()
            .FirstOrDefault(a => a.FormName is null || string.Equals(a.FormName, handler, StringComparison.Ordinal))?.Action;
    }

    /// <summary>Who the request is about, besides where it comes from; kept only as a hash where it is a secret (API keys).</summary>
    private static string? Subject(string action, HttpContext http) => action switch
    {
        CodeRequests or CodeChecks => http.RequestServices.GetRequiredService<LinkCookie>().Read(http)?.ToString("N"),
        StaffSignIn => http.Features.Get<IFormFeature>()?.Form?["Input.Email"].ToString().Trim().ToUpperInvariant() is { Length: > 0 } email ? email : null,
        ApiKeys => http.Request.Headers.Authorization.ToString() is { Length: > 0 } key
            ? Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32]
            : null,
        _ => null,
    };

    private static async ValueTask RejectAsync(OnRejectedContext context, ILogger log)
    {
        var http = context.HttpContext;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        // Which limit, and from where; never the subject (an address, a key). A person's browser gets the readable
        // status page: the answer is left empty for it.
        log.LogInformation("Rate limit {Action} reached from {ClientIp}", Action(http), http.Connection.RemoteIpAddress);
        if (ErrorHandling.WantsProblemDetails(http))
        {
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests.",
                    Detail = "Wait for the time in the Retry-After header, then try again.",
                },
            });
        }
    }
}

/// <summary>Counts requests to a page or endpoint under a limited action; on a page with several forms, only the named form's posts.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class RateLimitedAttribute(string action) : Attribute
{
    public string Action { get; } = action;

    /// <summary>The form (Blazor <c>@formname</c>) whose posts count; null: every request counts.</summary>
    public string? FormName { get; init; }
}

/// <summary>One limited action: so many requests per client IP and per subject in each window.</summary>
public sealed class RateLimitRule
{
    public int PerClient { get; set; }

    public int PerSubject { get; set; }

    public int WindowSeconds { get; set; }
}

/// <summary><c>RateLimits:&lt;Action&gt;:PerClient|PerSubject|WindowSeconds</c>.</summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";

    public RateLimitRule CodeRequests { get; set; } = new() { PerClient = 100, PerSubject = 5, WindowSeconds = 900 };

    public RateLimitRule CodeChecks { get; set; } = new() { PerClient = 200, PerSubject = 10, WindowSeconds = 900 };

    public RateLimitRule LinkLookups { get; set; } = new() { PerClient = 100, PerSubject = 100, WindowSeconds = 600 };

    public RateLimitRule StaffSignIn { get; set; } = new() { PerClient = 100, PerSubject = 10, WindowSeconds = 900 };

    public RateLimitRule Passkeys { get; set; } = new() { PerClient = 100, PerSubject = 100, WindowSeconds = 300 };

    public RateLimitRule ApiKeys { get; set; } = new() { PerClient = 1200, PerSubject = 600, WindowSeconds = 60 };

    public IReadOnlyDictionary<string, RateLimitRule> All => new Dictionary<string, RateLimitRule>
    {
        [RateLimits.CodeRequests] = CodeRequests,
        [RateLimits.CodeChecks] = CodeChecks,
        [RateLimits.LinkLookups] = LinkLookups,
        [RateLimits.StaffSignIn] = StaffSignIn,
        [RateLimits.Passkeys] = Passkeys,
        [RateLimits.ApiKeys] = ApiKeys,
    };

    public RateLimitRule For(string action) => All[action];
}

internal sealed class RateLimitSettingsValidator : IValidateOptions<RateLimitSettings>
{
    public ValidateOptionsResult Validate(string? name, RateLimitSettings options)
    {
        var failures = options.All
            .SelectMany(rule => new[]
            {
                rule.Value.PerClient is < 1 or > 1_000_000 ? $"{RateLimitSettings.Section}:{rule.Key}:PerClient must be between 1 and 1000000." : null,
                rule.Value.PerSubject is < 1 or > 1_000_000 ? $"{RateLimitSettings.Section}:{rule.Key}:PerSubject must be between 1 and 1000000." : null,
                rule.Value.WindowSeconds is < 1 or > 86_400 ? $"{RateLimitSettings.Section}:{rule.Key}:WindowSeconds must be between 1 and 86400." : null,
            })
            .OfType<string>()
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
