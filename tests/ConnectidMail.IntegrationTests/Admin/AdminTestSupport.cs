using System.Net.Http.Headers;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Admin;

/// <summary>The steps the admin tests share: keys through the CLI, calls with a key, users and change rows from the database, form posts.</summary>
internal static partial class AdminTestSupport
{
    public const string Password = "a sufficiently long password";

    public static async Task<string> CreateKeyAsync(this PortalFactory portal, string email, string name = "test")
    {
        var result = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", name);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.OutputLines[^1];
    }

    public static async Task<System.Net.HttpStatusCode> CallMeAsync(this PortalFactory portal, string key)
    {
        using var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.GetAsync("/api/v1/me");
        return response.StatusCode;
    }

    /// <summary>A fresh copy of the user as stored, not one a scope still tracks.</summary>
    public static Task<StaffUser> StoredUserAsync(this PortalFactory portal, string email) =>
        portal.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.NormalizedEmail == email.ToUpperInvariant()));

    /// <summary>The audit events that changed a staff user or API key (not, say, their sign-ins), in chain order.</summary>
    public static Task<List<AuditEvent>> ChangesAboutAsync(this PortalFactory portal, string subjectId) =>
        portal.WithDbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(c => c.SubjectId == subjectId && (c.Action.StartsWith("user.") || c.Action.StartsWith("api-key.")))
            .OrderBy(c => c.Sequence).ToListAsync());

    /// <summary>Audit events about changes to staff accounts and API keys.</summary>
    public static Task<int> CountChangesAsync(this PortalFactory portal) =>
        portal.WithDbAsync(db => db.AuditEvents.CountAsync(c => c.Action.StartsWith("user.") || c.Action.StartsWith("api-key.")));

    /// <summary>The changed user's or key's display name, kept in the event's detail.</summary>
    public static string? SubjectDisplay(this AuditEvent change) =>
        change.Detail is null ? null : JsonDocument.Parse(change.Detail).RootElement.GetProperty("subject").GetString();

    public static async Task<T> WithUsersAsync<T>(this PortalFactory portal, Func<UserManager<StaffUser>, Task<T>> use)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>());
    }

    public static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";
}
