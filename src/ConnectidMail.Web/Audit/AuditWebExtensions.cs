using ConnectidMail.Audit;

namespace ConnectidMail.Web.Audit;

public static class AuditWebExtensions
{
    public static WebApplicationBuilder AddAuditTrail(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<IAuditRequestOrigin, HttpAuditRequestOrigin>();
        builder.AddAudit();
        builder.AddAuditDownloads();
        return builder;
    }
}
