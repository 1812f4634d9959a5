using ConnectidMail.Audit;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>Staff sign-ins and failed attempts through the real sign-in form land in the audit trail, without what was typed.</summary>
public sealed class StaffSignInAuditTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Password = "a sufficiently long password";

    [Fact]
    public async Task A_sign_in_and_a_wrong_password_are_recorded_as_the_staff_member_without_the_password()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        var userId = await UserIdAsync(email);
        using var session = new StaffSession(fixture.Portal);
        const string wrong = "wrong password 7f3c9a";

        await session.LogInAsync(email, wrong);
        var (_, location, _) = await session.LogInAsync(email, Password);
        Assert.Equal("/", location);

        var events = (await fixture.Portal.EventsAsync()).Where(e => e.SubjectId == userId && e.Action.StartsWith("staff.", StringComparison.Ordinal)).ToList();
        Assert.Equal([AuditActions.StaffSignInFailed, AuditActions.StaffSignedIn], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal((AuditActorKind.Staff, userId, email), (e.ActorKind, e.ActorId, e.ActorDisplay)));
        Assert.Equal("""{"method":"password","reason":"wrong-credentials"}""", events[0].Detail);
        Assert.Equal("""{"method":"password"}""", events[1].Detail);
        Assert.DoesNotContain(await fixture.Portal.EventsAsync(), e => (e.Detail ?? "").Contains(wrong, StringComparison.Ordinal) || (e.Detail ?? "").Contains(Password, StringComparison.Ordinal));
        Assert.True((await fixture.Portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task An_unknown_address_is_recorded_as_unknown_account_without_what_was_typed()
    {
        var typed = $"nobody-{Guid.NewGuid():N}@example.org";
        using var session = new StaffSession(fixture.Portal);

        await session.LogInAsync(typed, Password);

        var events = await fixture.Portal.EventsAsync();
        Assert.Contains(events, e => e.Action == AuditActions.StaffSignInFailed && e.ActorDisplay == "unknown account" && e.ActorId is null && e.SubjectId is null);
        Assert.DoesNotContain(events, e => $"{e.ActorDisplay} {e.Detail}".Contains(typed, StringComparison.OrdinalIgnoreCase)
            || $"{e.ActorDisplay} {e.Detail}".Contains(Password, StringComparison.Ordinal));
        Assert.True((await fixture.Portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task A_lockout_is_recorded_with_its_reason()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        var userId = await UserIdAsync(email);
        using var session = new StaffSession(fixture.Portal);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await session.LogInAsync(email, $"wrong password {attempt}");
        }

        var (_, location, _) = await session.LogInAsync(email, Password);
        Assert.Equal("/Account/Lockout", location);

        var failed = (await fixture.Portal.EventsAsync()).Where(e => e.SubjectId == userId && e.Action.StartsWith("staff.", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, failed.Count);
        Assert.All(failed, e => Assert.Equal(AuditActions.StaffSignInFailed, e.Action));
        Assert.Equal(4, failed.Count(e => e.Detail == """{"method":"password","reason":"wrong-credentials"}"""));
        Assert.Equal(2, failed.Count(e => e.Detail == """{"method":"password","reason":"locked-out"}"""));
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>().FindByEmailAsync(email))!.Id;
    }
}
