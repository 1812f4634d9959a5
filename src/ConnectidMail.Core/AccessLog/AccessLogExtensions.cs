using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.AccessLog;

public static class AccessLogExtensions
{
    /// <summary>The recipients' access log and "This wasn't me" (<see cref="RecipientActivity"/>), after AddAuditTrail, AddMail, AddBranding and AddVerification.</summary>
    public static IHostApplicationBuilder AddAccessLog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RecipientActivity>();
        return builder;
    }
}
