using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Audit;

internal static class AuditTestSupport
{
    /// <summary>Records <paramref name="count"/> events, one save each, as the portal itself.</summary>
    public static async Task AppendAsync(this PortalFactory portal, int count, string action = AuditActions.KeysRotated)
    {
        for (var i = 0; i < count; i++)
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
            scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(db, AuditActor.Portal, action, detail: new { number = i });
            await db.SaveChangesAsync();
        }
    }

    public static async Task<AuditVerification> VerifyAsync(this PortalFactory portal, params AuditAnchor[] anchors)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(anchors);
    }

    public static Task<List<AuditEvent>> EventsAsync(this PortalFactory portal) =>
        portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync());

    public static Task<int> SqlAsync(this PortalFactory portal, string sql) => portal.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql));
}
