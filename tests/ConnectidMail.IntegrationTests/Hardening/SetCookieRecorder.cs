using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>Keeps every <c>Set-Cookie</c> the portal sends, whoever sets it, to check them all against the cookie rules.</summary>
internal sealed class SetCookieRecorder : IStartupFilter
{
    private readonly ConcurrentQueue<string> cookies = new();

    public IReadOnlyList<string> Cookies => [.. cookies];

    public static Action<IServiceCollection> Install(SetCookieRecorder recorder) =>
        services => services.AddSingleton<IStartupFilter>(recorder);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() =>
            {
                foreach (var cookie in context.Response.Headers.SetCookie)
                {
                    cookies.Enqueue(cookie!);
                }

                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };
}
