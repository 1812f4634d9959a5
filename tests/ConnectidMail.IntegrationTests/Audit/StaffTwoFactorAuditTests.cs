using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Audit;
using ConnectidMail.IntegrationTests.Passkeys;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>
/// A staff member's own two-factor changes and sign-out, driven over HTTP through the account pages, land in the audit
/// trail as that staff member, naming the change and never the authenticator key or a recovery code.
/// </summary>
public sealed partial class StaffTwoFactorAuditTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Password = "a sufficiently long password";
    private const string Manage = "/Account/Manage";
    private const string EnablePath = "/Account/Manage/EnableAuthenticator";
    private const string PasskeysPath = "/Account/Manage/Passkeys";

    [Fact]
    public async Task Turning_the_authenticator_on_new_recovery_codes_turning_it_off_and_signing_out_are_recorded_without_key_or_codes()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        var userId = await UserIdAsync(email);
        using var session = new StaffSession(fixture.Portal);
        Assert.Equal("/", (await session.LogInAsync(email, Password)).Location);

        var shownKey = AuthenticatorKey().Match(await session.Client.GetStringAsync(EnablePath)).Groups[1].Value;
        var app = new TotpAuthenticator(shownKey);
        var (_, _, refused) = await session.SubmitFormAsync(EnablePath, "enable-authenticator", new() { ["Input.Code"] = app.WrongCode() });
        Assert.Contains("That code is not right.", refused, StringComparison.Ordinal);
        Assert.Empty(await TwoFactorEventsAsync(userId));

        var (_, _, enabled) = await session.SubmitFormAsync(EnablePath, "enable-authenticator", new() { ["Input.Code"] = await app.NextCodeAsync() });
        var (_, _, renewed) = await session.SubmitFormAsync(Manage, "new-recovery-codes", []);
        var codes = RecoveryCodes(enabled).Concat(RecoveryCodes(renewed)).ToList();
        Assert.Equal(20, codes.Count);
        var (_, _, off) = await session.SubmitFormAsync(Manage, "turn-off-authenticator", []);
        Assert.Contains("The authenticator app is off", off, StringComparison.Ordinal);
        await LogOutAsync(session, Manage);

        var events = await TwoFactorEventsAsync(userId);
        Assert.Equal(
            [
                (AuditActions.UserTwoFactorChanged, """{"change":"enabled","method":"authenticator"}"""),
                (AuditActions.UserTwoFactorChanged, """{"change":"generated","method":"recovery-codes"}"""),
                (AuditActions.UserTwoFactorChanged, """{"change":"disabled","method":"authenticator"}"""),
                (AuditActions.StaffSignedOut, null),
            ],
            events.Select(e => (e.Action, e.Detail)));
        Assert.All(events, e => Assert.Equal((AuditActorKind.Staff, userId, email), (e.ActorKind, e.ActorId, e.ActorDisplay)));
        await AssertNoneOfAsync([shownKey, shownKey.Replace(" ", "", StringComparison.Ordinal), .. codes, .. codes.Select(c => c.Replace("-", "", StringComparison.Ordinal))]);
        Assert.True((await fixture.Portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task Resetting_the_authenticator_key_is_recorded_without_the_old_or_the_new_key()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        var userId = await UserIdAsync(email);
        using var session = new StaffSession(fixture.Portal);
        Assert.Equal("/", await session.LogInWithAuthenticatorAsync(email, Password));
        var oldKey = (await KeyAsync(email))!;

        var (_, location, _) = await session.SubmitFormAsync(Manage, "reset-authenticator", []);

        Assert.Equal(EnablePath, location);
        var newKey = await KeyAsync(email);
        Assert.NotNull(newKey);
        Assert.NotEqual(oldKey, newKey);
        var reset = Assert.Single(await TwoFactorEventsAsync(userId));
        Assert.Equal((AuditActions.UserTwoFactorChanged, """{"change":"key-reset","method":"authenticator"}""", AuditActorKind.Staff, userId, email, userId),
            (reset.Action, reset.Detail, reset.ActorKind, reset.ActorId, reset.ActorDisplay, reset.SubjectId));
        await AssertNoneOfAsync([oldKey, newKey]);
        Assert.True((await fixture.Portal.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task A_sign_out_without_a_signed_in_user_records_nothing()
    {
        var before = (await fixture.Portal.EventsAsync()).Count(e => e.Action == AuditActions.StaffSignedOut);
        using var anonymous = new StaffSession(fixture.Portal);

        await LogOutAsync(anonymous, "/Account/Login");

        Assert.Equal(before, (await fixture.Portal.EventsAsync()).Count(e => e.Action == AuditActions.StaffSignedOut));
    }

    [Fact]
    public async Task Adding_renaming_and_removing_a_passkey_are_recorded_with_its_name()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender, Password);
        var userId = await UserIdAsync(email);
        using var session = new StaffSession(fixture.Portal);
        using var authenticator = new SoftwareAuthenticator();
        Assert.Equal("/", (await session.LogInAsync(email, Password)).Location);

        var token = StaffSession.AntiforgeryToken(await session.Client.GetStringAsync(PasskeysPath));
        using var optionsResponse = await session.Client.PostAsync("/Account/PasskeyCreationOptions", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.OK, optionsResponse.StatusCode);
        var credential = JsonSerializer.Serialize(authenticator.Create(await optionsResponse.Content.ReadAsStringAsync(), "https://localhost"));
        var (_, _, added) = await session.SubmitFormAsync(PasskeysPath, "add-passkey", new() { ["Passkey.CredentialJson"] = credential });
        Assert.Contains("Passkey added.", added, StringComparison.Ordinal);

        var id = Base64Url.EncodeToString(authenticator.CredentialId);
        var (_, _, renamed) = await session.SubmitFormAsync(PasskeysPath, $"rename-{id}", new() { ["CredentialId"] = id, ["NewName"] = "Work laptop" });
        Assert.Contains("Passkey renamed to", renamed, StringComparison.Ordinal);
        var (_, _, removed) = await session.SubmitFormAsync(PasskeysPath, $"remove-{id}", new() { ["CredentialId"] = id });
        Assert.Contains("removed.", removed, StringComparison.Ordinal);

        var events = await TwoFactorEventsAsync(userId);
        Assert.Equal(3, events.Count);
        Assert.Matches("""^\{"change":"added","method":"passkey","name":"Passkey added \d{4}-\d{2}-\d{2}"\}$""", events[0].Detail);
        Assert.Equal("""{"change":"renamed","method":"passkey","name":"Work laptop"}""", events[1].Detail);
        Assert.Equal("""{"change":"removed","method":"passkey","name":"Work laptop"}""", events[2].Detail);
        Assert.All(events, e => Assert.Equal((AuditActions.UserTwoFactorChanged, AuditActorKind.Staff, userId, email), (e.Action, e.ActorKind, e.ActorId, e.ActorDisplay)));
        Assert.True((await fixture.Portal.VerifyAsync()).Valid);
    }

    private static async Task LogOutAsync(StaffSession session, string tokenFrom)
    {
        var token = StaffSession.AntiforgeryToken(await session.Client.GetStringAsync(tokenFrom));
        using var logout = await session.Client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
    }

    private async Task<List<AuditEvent>> TwoFactorEventsAsync(string userId) =>
        [.. (await fixture.Portal.EventsAsync()).Where(e => e.SubjectId == userId && e.Action is AuditActions.UserTwoFactorChanged or AuditActions.StaffSignedOut)];

    /// <summary>No stored event carries any of the secrets, in any case or field a secret could slip into.</summary>
    private async Task AssertNoneOfAsync(IEnumerable<string> secrets)
    {
        var stored = (await fixture.Portal.EventsAsync()).Select(e => $"{e.ActorDisplay} {e.Detail} {e.UserAgent} {e.SubjectId}").ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(stored, text => text.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static List<string> RecoveryCodes(string page) => [.. RecoveryCode().Matches(page).Select(m => m.Groups[1].Value)];

    private async Task<string?> KeyAsync(string email)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        return await users.GetAuthenticatorKeyAsync((await users.FindByEmailAsync(email))!);
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>().FindByEmailAsync(email))!.Id;
    }

    [GeneratedRegex("id=\"authenticator-key\">([a-z0-9 ]+)<")]
    private static partial Regex AuthenticatorKey();

    [GeneratedRegex("<code>([2-9B-Y]{5}-[2-9B-Y]{5})</code>")]
    private static partial Regex RecoveryCode();
}
