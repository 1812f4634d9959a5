using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// The logger factory with the framework's logging of secrets switched off for good. A recipient's link carries its
/// token in the path (<c>/r/{token}</c>), and some categories write the path into log lines or logging scopes; others
/// write what is typed into a live page or the name of a downloaded file. A logging filter could be overridden by
/// configuration (a provider-specific level beats any category rule), so the loggers of these categories never write,
/// whatever the settings say.
/// </summary>
internal sealed class TokenSafeLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>Categories whose lines or scopes hold the request path, form input or file names.</summary>
    private static readonly HashSet<string> SecretLoggingCategories = new(StringComparer.Ordinal)
    {
        // "Request starting/finished GET https://host/r/{token}" and the RequestPath logging scope.
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        // "... candidate(s) found for the request path '/r/{token}'".
        "Microsoft.AspNetCore.Routing.Matching.DfaMatcher",
        // "Navigating to component ... in response to path '/r/{token}'".
        "Microsoft.AspNetCore.Components.Routing.Router",
        // "Received hub invocation ... fieldValue": every value typed into a live page (access codes, replies) at Debug.
        "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher",
        // "Sending file with download name '...'": a file name is message content.
        "Microsoft.AspNetCore.Http.Result.FileStreamResult",
    };

    public static void Install(IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider => new TokenSafeLoggerFactory(new LoggerFactory(
            provider.GetServices<ILoggerProvider>(),
            provider.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            provider.GetService<IOptions<LoggerFactoryOptions>>(),
            provider.GetService<IExternalScopeProvider>()))));
    }

    public ILogger CreateLogger(string categoryName) =>
        SecretLoggingCategories.Contains(categoryName) ? NullLogger.Instance : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
