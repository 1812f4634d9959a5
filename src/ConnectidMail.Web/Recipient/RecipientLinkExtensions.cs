namespace ConnectidMail.Web.Recipient;

/// <summary>The recipient's link, <c>/r/{token}</c>: the landing page, its headers, and logs that never hold the token.</summary>
public static class RecipientLinkExtensions
{
    /// <summary>The path the recipients' links start with.</summary>
    public const string LinkPath = "/r";

    public static WebApplicationBuilder AddRecipientLinks(this WebApplicationBuilder builder)
    {
        TokenSafeLoggerFactory.Install(builder.Services);
        return builder;
    }

    /// <summary>
    /// Link addresses hold the token: browsers must not send them on as a referrer, and nothing may cache them. Set for every
    /// answer under the link path, the not-found page included.
    /// </summary>
    public static WebApplication UseRecipientLinks(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(LinkPath))
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["Referrer-Policy"] = "no-referrer";
                    context.Response.Headers.CacheControl = "no-store";
                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        return app;
    }

    public static WebApplication MapRecipientLinks(this WebApplication app)
    {
        app.MapGet(LinkPath + "/{token}", LinkLandingPage.GetAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
