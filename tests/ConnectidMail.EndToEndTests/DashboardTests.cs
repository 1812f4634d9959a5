using ConnectidMail.Staff;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>The dashboard shows each role its own sections and nothing more.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser, PortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Sender_sees_secure_messages_and_not_the_staff_accounts()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        await Session.SignInAsync(sender);

        await Expect(Session.Section("Secure messages")).ToBeVisibleAsync();
        await Expect(Session.Page.GetByText($"Signed in as {sender.Email}")).ToBeVisibleAsync();

        // The page is fully rendered (asserted above), so absence here is real absence.
        await Expect(Session.Section("Staff accounts")).ToHaveCountAsync(0);
        await Expect(Session.Page.GetByText("Staff accounts")).ToHaveCountAsync(0);
        await Expect(Session.Page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Auditor_sees_the_audit_trail_only()
    {
        var auditor = await Portal.CreateUserAsync(StaffRoles.Auditor);
        await Session.SignInAsync(auditor);

        await Expect(Session.Section("Audit trail")).ToBeVisibleAsync();
        await Expect(Session.Section("Secure messages")).ToHaveCountAsync(0);
        await Expect(Session.Section("Staff accounts")).ToHaveCountAsync(0);
    }
}
