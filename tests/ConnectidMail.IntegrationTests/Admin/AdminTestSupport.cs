using System.Net.Http.Headers;
using System.Text.RegularExpressions;
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

    public static Task<List<StaffChange>> ChangesAboutAsync(this PortalFactory portal, string subjectId) =>
        portal.WithDbAsync(db => db.StaffChanges.AsNoTracking().Where(c => c.SubjectId == subjectId).OrderBy(c => c.Id).ToListAsync());

    public static Task<int> CountChangesAsync(this PortalFactory portal) => portal.WithDbAsync(db => db.StaffChanges.CountAsync());

    public static async Task<T> WithUsersAsync<T>(this PortalFactory portal, Func<UserManager<StaffUser>, Task<T>> use)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>());
    }

    /// <summary>
    /// Posts a form of a static server-rendered page as a browser would: the antiforgery token from a page the
    /// session may open (the form's own page unless told otherwise), the form's name as the handler.
    /// </summary>
    public static async Task<HttpResponseMessage> PostPageFormAsync(
        this StaffSession session, string path, string formName, IDictionary<string, string>? fields = null, string? tokenFrom = null)
    {
        var page = await session.Client.GetStringAsync(tokenFrom ?? path);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"{tokenFrom ?? path} carries no antiforgery token.");
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>())
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = token,
        };
        return await session.Client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    public static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
