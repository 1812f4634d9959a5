using System.Net;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using ConnectidMail.Web.Account;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ConnectidMail.IntegrationTests;

/// <summary>
/// Staff sessions end after 30 idle minutes and 12 hours after sign-in, however busy. The portal runs on a
/// controlled clock (its <see cref="TimeProvider"/> replaced), so hours pass in milliseconds.
/// </summary>
public sealed class StaffSessionLimitsTests : IDisposable
{
    private const string Password = "a sufficiently long password";
    private const string LoginRedirect = "/Account/Login?ReturnUrl=%2F";

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly List<IDisposable> disposables = [];

    [Fact]
    public async Task A_session_left_idle_for_longer_than_30_minutes_is_over()
    {
        var (session, _) = await SignedInSenderAsync(PortalOnClock());

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal("/", await session.LandingOfAsync("/"));

        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(LoginRedirect, await session.LandingOfAsync("/"));
    }

    [Fact]
    public async Task A_session_in_use_outlives_the_idle_limit()
    {
        var (session, _) = await SignedInSenderAsync(PortalOnClock());

        for (var step = 1; step <= 6; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            Assert.True("/" == await session.LandingOfAsync("/"), $"The session in use ended after {step * 20} minutes.");
        }
    }

    [Fact]
    public async Task A_session_in_constant_use_ends_12_hours_after_sign_in_even_when_its_cookie_was_renewed()
    {
        var (session, email) = await SignedInSenderAsync(PortalOnClock());

        // Used every 20 minutes for 11 h 40 min: sliding renewal keeps re-issuing the cookie.
        for (var step = 1; step <= 35; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            Assert.True("/" == await session.LandingOfAsync("/"), $"The session ended early, after {step * 20} minutes.");
        }

        // A password change re-issues the cookie through Identity's refresh; the sign-in time stays.
        var (status, _, body) = await session.SubmitFormAsync("/Account/Manage/ChangePassword", "change-password", new()
        {
            ["Input.CurrentPassword"] = Password,
            ["Input.NewPassword"] = Password + " changed",
            ["Input.ConfirmPassword"] = Password + " changed",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Your password has been changed.", body, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(21));
        using var refused = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal(LoginRedirect, refused.Headers.Location!.PathAndQuery);
        Assert.Contains(refused.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-Identity.Application=;", StringComparison.Ordinal));

        // A new sign-in starts a new session.
        var (_, location, _) = await session.LogInAsync(email, Password + " changed");
        Assert.Equal("/", location);
        Assert.Equal("/", await session.LandingOfAsync("/"));
    }

    [Fact]
    public async Task Both_limits_follow_the_settings()
    {
        var portal = PortalOnClock(new Dictionary<string, string?>
        {
            ["Staff:SessionIdleMinutes"] = "5",
            ["Staff:SessionAbsoluteHours"] = "1",
        });

        var (idle, _) = await SignedInSenderAsync(portal);
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(LoginRedirect, await idle.LandingOfAsync("/"));

        var (busy, _) = await SignedInSenderAsync(portal);
        for (var step = 1; step <= 14; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(4));
            Assert.True("/" == await busy.LandingOfAsync("/"), $"The session ended early, after {step * 4} minutes.");
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(LoginRedirect, await busy.LandingOfAsync("/"));
    }

    [Fact]
    public async Task An_open_circuit_loses_its_sign_in_at_the_absolute_limit()
    {
        var portal = PortalOnClock();
        var (session, _) = await SignedInSenderAsync(portal);

        // The principal a circuit gets is the one in the session cookie.
        var cookie = session.Cookies.GetCookies(new Uri("https://localhost/"))["__Host-Identity.Application"]!.Value;
        var cookieOptions = portal.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var principal = cookieOptions.TicketDataFormat.Unprotect(cookie)!.Principal;
        await using var scope = portal.Services.CreateAsyncScope();
        var circuitAuthentication = (StaffAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();

        clock.Advance(TimeSpan.FromHours(11.9));
        Assert.True(await circuitAuthentication.IsStillValidAsync(principal), "The circuit lost its sign-in before the limit.");

        clock.Advance(TimeSpan.FromHours(0.2));
        Assert.False(await circuitAuthentication.IsStillValidAsync(principal), "The circuit kept its sign-in past the absolute limit.");
    }

    /// <summary>The real portal with its clock replaced by <see cref="clock"/>.</summary>
    private WebApplicationFactory<Program> PortalOnClock(Dictionary<string, string?>? settings = null)
    {
        var portal = new PortalFactory(settings);
        var onClock = portal.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        disposables.Add(portal);
        disposables.Add(onClock);
        return onClock;
    }

    private async Task<(StaffSession Session, string Email)> SignedInSenderAsync(WebApplicationFactory<Program> portal)
    {
        var email = $"sender-{Guid.NewGuid():N}@example.com";
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().CreateUserAsync(StaffActor.Cli, email, [StaffRoles.Sender], Password);
            Assert.True(created.Succeeded, created.Error);
        }

        var session = new StaffSession(portal);
        disposables.Add(session);
        var (_, location, _) = await session.LogInAsync(email, Password);
        Assert.Equal("/", location);
        return (session, email);
    }

    public void Dispose()
    {
        foreach (var disposable in Enumerable.Reverse(disposables))
        {
            disposable.Dispose();
        }
    }
}
