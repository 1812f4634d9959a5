namespace ConnectidMail.Web.Components;

public static class PortalPagesExtensions
{
    public static WebApplicationBuilder AddPortalPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        return builder;
    }

    public static WebApplication UsePortalPages(this WebApplication app)
    {
        // Placed here, not left to the host (which puts them first), so the security headers and error pages before
        // them also cover what sign-in challenges and refusals answer.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        // Blazor's interactive default is frame-ancestors 'self'; the portal is never framed (clickjacking).
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = "'none'");
        return app;
    }
}
