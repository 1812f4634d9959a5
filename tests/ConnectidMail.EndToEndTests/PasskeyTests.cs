using System.Text.RegularExpressions;
using ConnectidMail.Staff;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>Staff passkeys (ASP.NET Core Identity) with Chromium's virtual authenticator: real WebAuthn ceremonies.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PasskeyTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    private const string PasskeysPath = "/Account/Manage/Passkeys";

    [Fact]
    public async Task An_admin_enrols_with_a_passkey_names_it_and_signs_in_with_it()
    {
        var authenticator = await Session.AddVirtualAuthenticatorAsync();
        var admin = await Portal.CreateUserWithoutTwoFactorAsync(StaffRoles.Admin);

        await Session.GotoAsync(BrowserSession.LoginPath);
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Session.WaitForPathAsync("/Account/Manage/EnrolTwoFactor");
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Add a passkey" }).ClickAsync();
        await Session.WaitForPathAsync(PasskeysPath);
        await Expect(Session.Page.GetByText("You have no passkeys yet.")).ToBeVisibleAsync();

        await AddPasskeyButton.ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Passkey added");
        var stored = Assert.Single(await authenticator.CredentialsAsync());
        Assert.True(stored.GetProperty("isResidentCredential").GetBoolean(), "The passkey is not discoverable, so a sign-in without an address cannot find it.");
        var signCountAfterCreation = stored.GetProperty("signCount").GetInt32();

        await Session.Page.GetByLabel(NewNameLabel()).FillAsync("Test laptop");
        await Session.Page.GetByRole(AriaRole.Button, new() { NameRegex = RenameButton() }).ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Passkey renamed to \"Test laptop\"");
        await Expect(Session.Page.GetByRole(AriaRole.Cell, new() { Name = "Test laptop", Exact = true })).ToBeVisibleAsync();

        // Enrolled: the dashboard opens.
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);

        // The role needs two factors: the password alone no longer signs this admin in.
        await Session.SubmitLoginAsync(admin.Email, admin.Password);
        await Expect(Session.Page.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync("Log in with a passkey");
        Assert.False(await Session.HasStaffCookieAsync(), "A password alone signed in an admin whose second factor is a passkey.");

        await PasskeyLogInButton.ClickAsync();
        await Session.WaitForPathAsync("/");
        await Expect(Session.PageHeading("Dashboard")).ToBeVisibleAsync();
        await Expect(Session.Page.GetByText($"Signed in as {admin.Email}")).ToBeVisibleAsync();
        Assert.True(await Session.HasStaffCookieAsync(), "The passkey sign-in set no session cookie.");
        Assert.True(
            (await authenticator.CredentialsAsync())[0].GetProperty("signCount").GetInt32() > signCountAfterCreation,
            "The sign-in did not use the authenticator's passkey.");

        // The only second factor of an admin stays.
        await Session.GotoAsync(PasskeysPath);
        await Session.Page.GetByRole(AriaRole.Button, new() { NameRegex = RemoveButton() }).ClickAsync();
        await Expect(Session.Page.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync("this passkey is your only one");
        await Expect(Session.Page.GetByRole(AriaRole.Cell, new() { Name = "Test laptop", Exact = true })).ToBeVisibleAsync();

        // Blazor's own error banner would mean a failure in the page's script; say what the browser reported with it.
        Assert.False(await Session.Page.Locator("#blazor-error-ui").IsVisibleAsync(), "Blazor's error banner shows:\n" + string.Join("\n", Session.BrowserErrors));
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task A_sender_adds_and_removes_a_passkey_and_a_removed_passkey_no_longer_signs_in()
    {
        await Session.AddVirtualAuthenticatorAsync();
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);

        await Session.GotoAsync("/Account/Manage");
        await Session.Page.GetByRole(AriaRole.Link, new() { Name = "Manage passkeys" }).ClickAsync();
        await Session.WaitForPathAsync(PasskeysPath);
        await AddPasskeyButton.ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Passkey added");

        await Session.Page.GetByRole(AriaRole.Button, new() { NameRegex = RemoveButton() }).ClickAsync();
        await Expect(Session.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("removed");
        await Expect(Session.Page.GetByText("You have no passkeys yet.")).ToBeVisibleAsync();
        await Session.LogOutButton.ClickAsync();
        await Session.WaitForPathAsync(BrowserSession.LoginPath);

        // The authenticator still holds the credential, but the portal no longer knows it.
        await PasskeyLogInButton.ClickAsync();
        await Expect(Session.Page.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync("That passkey does not belong to a staff account here");
        Assert.False(await Session.HasStaffCookieAsync(), "A removed passkey signed in.");
    }

    private ILocator AddPasskeyButton => Session.Page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey", Exact = true });

    private ILocator PasskeyLogInButton => Session.Page.GetByRole(AriaRole.Button, new() { Name = "Log in with a passkey", Exact = true });

    [GeneratedRegex("^New name for ")]
    private static partial Regex NewNameLabel();

    [GeneratedRegex("^Rename ")]
    private static partial Regex RenameButton();

    [GeneratedRegex("^Remove ")]
    private static partial Regex RemoveButton();
}
