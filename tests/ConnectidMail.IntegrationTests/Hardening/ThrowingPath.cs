using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// A test-only address that fails: added behind the portal's own pipeline (a request no endpoint answers falls through
/// to it), so the exception travels back through the portal's error handling as a real one would.
/// </summary>
internal sealed class ThrowingPath : IStartupFilter
{
    public const string Path = "/test-only/throw";

    public const string ApiPath = "/api/v1/test-only/throw";

    /// <summary>What the exception says: it must never reach a caller.</summary>
    public const string SecretText = "SELECT secret_column FROM Messages WHERE Id = 'leaked-detail'";

    public static void Install(IServiceCollection services) => services.AddSingleton<IStartupFilter, ThrowingPath>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Run(context =>
        {
            if (context.Request.Path == Path || context.Request.Path == ApiPath)
            {
                throw new InvalidOperationException(SecretText);
            }

            // What the host's own end of the pipeline answers.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    };
}
