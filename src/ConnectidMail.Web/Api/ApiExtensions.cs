using System.Security.Claims;
using ConnectidMail.Staff;
using ConnectidMail.Web.Audit;
using ConnectidMail.Web.Hardening;
using ConnectidMail.Web.Messaging;
using Microsoft.AspNetCore.Authentication;

namespace ConnectidMail.Web.Api;

public static class ApiExtensions
{
    public const string Policy = "api";
    public const string SenderPolicy = "api-sender";
    public const string AuditorPolicy = "api-auditor";

    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName)
                .RequireAuthenticatedUser())
            .AddPolicy(SenderPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName)
                .RequireRole(StaffRoles.Sender))
            // Keys never carry Admin, so through the API this is the Auditor role; the policy still names both.
            .AddPolicy(AuditorPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName)
                .RequireRole(StaffRoles.Auditor, StaffRoles.Admin));
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(Policy).RequireRateLimit(RateLimits.ApiKeys).DisableAntiforgery();

        // Lets an integration check which user and roles its key acts as.
        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new ApiCaller(
            user.FindFirstValue(ClaimTypes.Email) ?? "",
            [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)])));
        api.MapMessagesApi();
        api.MapAuditApi();
        // Export and report also take the staff cookie, so they sit outside the key-only group.
        app.MapAuditDownloads();

        // The contract of the API, for integrators and client generators; it describes endpoints only, so it is public.
        app.MapOpenApi();
        return app;
    }
}

public sealed record ApiCaller(string Email, IReadOnlyList<string> Roles);
