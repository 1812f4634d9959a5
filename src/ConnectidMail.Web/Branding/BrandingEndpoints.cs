using System.Text.Json;
using ConnectidMail.Branding;
using ConnectidMail.Staff;
using ConnectidMail.Web.Audit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ConnectidMail.Web.Branding;

/// <summary>
/// The organisation's logo and accent colour as the portal's own resources (the strict CSP allows no inline styles and
/// no foreign images), and the admin's logo upload, which is a plain multipart form post.
/// </summary>
public static class BrandingEndpoints
{
    public const string LogoPath = "/branding/logo";
    public const string ThemePath = "/branding/theme.css";
    public const string AdminPage = "/admin/branding";

    public static WebApplication MapBranding(this WebApplication app)
    {
        app.MapGet(LogoPath, GetLogoAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(ThemePath, GetTheme).AllowAnonymous().ExcludeFromDescription();
        var admin = new AuthorizeAttribute { Roles = StaffRoles.Admin };
        app.MapPost(AdminPage + "/logo", UploadLogoAsync).RequireAuthorization(admin).ExcludeFromDescription();
        app.MapPost(AdminPage + "/logo/remove", RemoveLogoAsync).RequireAuthorization(admin).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Served as an image that can never become a document: checked PNG/JPEG bytes, their own type, no sniffing, and a
    /// sandboxing CSP for anyone who opens it directly.
    /// </summary>
    private static async Task<IResult> GetLogoAsync(HttpContext http, [FromServices] BrandingService branding)
    {
        if (await branding.GetLogoAsync(http.RequestAborted) is not { } logo)
        {
            return TypedResults.NotFound();
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        http.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Bytes(logo.Bytes, logo.ContentType);
    }

    private static IResult GetTheme(HttpContext http, [FromServices] BrandingCache branding)
    {
        // Only a colour checked as #rrggbb (and for contrast) when it was saved reaches the stylesheet.
        var brand = branding.Current;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "public, max-age=60";
        return TypedResults.Text($":root {{ --accent: {brand.AccentColour}; --accent-contrast: #ffffff; }}\n", "text/css");
    }

    private static async Task<IResult> UploadLogoAsync(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] BrandingService branding)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = LogoImage.MaxBytes + (64 * 1024);
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired; reload the page and try again.");
        }

        var file = http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted)).Files.GetFile("logo") : null;
        if (file is null || file.Length == 0)
        {
            return Back(LogoProblem.Empty);
        }

        if (file.Length > LogoImage.MaxBytes)
        {
            return Back(LogoProblem.TooLarge);
        }

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, http.RequestAborted);
        var problem = await branding.SetLogoAsync(buffer.ToArray(), http.ToAuditActor(), http.RequestAborted);
        return problem is null ? TypedResults.LocalRedirect("~" + AdminPage + "?logo=saved") : Back(problem.Value);
    }

    private static async Task<IResult> RemoveLogoAsync(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] BrandingService branding)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired; reload the page and try again.");
        }

        await branding.RemoveLogoAsync(http.ToAuditActor(), http.RequestAborted);
        return TypedResults.LocalRedirect("~" + AdminPage + "?logo=removed");
    }

    private static RedirectHttpResult Back(LogoProblem problem) =>
        TypedResults.LocalRedirect($"~{AdminPage}?logo-problem={JsonNamingPolicy.KebabCaseLower.ConvertName(problem.ToString())}");
}
