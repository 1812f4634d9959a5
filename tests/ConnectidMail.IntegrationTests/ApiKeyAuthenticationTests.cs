using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using ConnectidMail.Web.Api;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests;

public sealed class ApiKeyAuthenticationTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task A_key_acts_as_its_user_with_sender_and_auditor_roles_but_never_admin()
    {
        var email = $"all-roles-{Guid.NewGuid():N}@example.com";
        var created = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email, "--role", "Admin,Sender,Auditor", "--password", "a sufficiently long password");
        Assert.True(created.ExitCode == 0, created.Error);
        var key = await CreateKeyAsync(email);

        using var response = await CallMeAsync(key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<ApiCaller>();
        Assert.Equal(email, caller!.Email);
        Assert.Equal(["Auditor", "Sender"], caller.Roles.Order());
        var lastUsed = await Portal.WithDbAsync(db => db.ApiKeys.Include(k => k.User).Where(k => k.User!.Email == email).Select(k => k.LastUsedAt).SingleAsync());
        Assert.NotNull(lastUsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer")]
    [InlineData("Bearer cmk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer not-even-a-key")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task A_missing_or_unknown_key_gets_401_problem_details(string? authorization)
    {
        using var client = Portal.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await CreateKeyAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await CallMeAsync(key)).StatusCode);

        await UpdateKeyAsync(email, k => k.ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallMeAsync(key)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_is_refused()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Auditor);
        var key = await CreateKeyAsync(email);

        await UpdateKeyAsync(email, k => k.RevokedAt = DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallMeAsync(key)).StatusCode);
    }

    [Fact]
    public async Task The_key_of_a_locked_out_user_is_refused()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await CreateKeyAsync(email);
        await using (var scope = Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
            var user = await users.FindByEmailAsync(email);
            await users.SetLockoutEndDateAsync(user!, DateTimeOffset.UtcNow.AddHours(1));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallMeAsync(key)).StatusCode);
    }

    [Fact]
    public async Task A_key_with_one_character_changed_is_refused()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var key = await CreateKeyAsync(email);
        var altered = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallMeAsync(altered)).StatusCode);
    }

    [Fact]
    public async Task A_staff_cookie_does_not_open_the_api()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        using var session = new StaffSession(Portal);
        await session.LogInAsync(email, "a sufficiently long password");

        using var response = await session.Client.GetAsync("/api/v1/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<string> CreateKeyAsync(string email)
    {
        var result = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "test");
        Assert.True(result.ExitCode == 0, result.Error);
        return result.OutputLines[^1];
    }

    private async Task<HttpResponseMessage> CallMeAsync(string key)
    {
        using var client = Portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.GetAsync("/api/v1/me");
    }

    private Task UpdateKeyAsync(string email, Action<ConnectidMail.ApiKeys.ApiKey> change) =>
        Portal.WithDbAsync(async db =>
        {
            var key = await db.ApiKeys.Include(k => k.User).SingleAsync(k => k.User!.Email == email);
            change(key);
            return await db.SaveChangesAsync();
        });
}
