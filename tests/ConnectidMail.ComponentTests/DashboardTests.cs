using System.Globalization;
using ConnectidMail.Audit;
using ConnectidMail.Messaging;
using ConnectidMail.Staff;
using ConnectidMail.Uploads;
using ConnectidMail.Web.Components.Pages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnectidMail.ComponentTests;

[Collection(PortalCollection.Name)]
public sealed class DashboardTests(PortalFixture fixture) : BunitContext
{
    [Fact]
    public async Task An_admin_sees_every_staff_account_with_its_roles()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderDashboardFor(scope, PortalFixture.Admin);

        var section = cut.WaitForElement("section[aria-labelledby=admin-heading]");
        Assert.Equal("Staff accounts", section.QuerySelector("h2")?.TextContent);
        cut.WaitForAssertion(() => Assert.Equal(PortalFixture.Staff.Count, cut.FindAll("table tbody tr").Count));

        var rows = cut.FindAll("table tbody tr")
            .Select(row => row.QuerySelectorAll("td").Select(cell => cell.TextContent.Trim()).ToArray())
            .ToList();
        var expected = PortalFixture.Staff
            .OrderBy(member => member.Email, StringComparer.Ordinal)
            .Select(member => (member.Email, Roles: string.Join(", ", member.Roles.Order(StringComparer.Ordinal))))
            .ToList();
        Assert.Equal(expected, rows.Select(cells => (cells[0], cells[1])).ToList());
        Assert.All(rows, cells =>
        {
            var created = DateTimeOffset.ParseExact(cells[2], "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            Assert.InRange(created, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        });
        Assert.Equal($"{PortalFixture.Staff.Count} staff account(s)", cut.Find("table caption").TextContent);
    }

    [Fact]
    public async Task An_admin_sees_that_malware_scanning_is_off_and_the_accepted_file_types()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderDashboardFor(scope, PortalFixture.Admin);

        Assert.Equal("Malware scanning: off", cut.Find("#malware-scanning").TextContent);
        Assert.Equal($"Accepted file types: {string.Join(", ", FileTypes.DefaultAllowed)}", cut.Find("#accepted-file-types").TextContent);
    }

    [Fact]
    public async Task An_admin_sees_the_fingerprint_of_the_key_that_signs_audit_checkpoints()
    {
        await using var scope = fixture.CreateScope();
        var key = await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().CurrentKeyAsync(CancellationToken.None);

        var cut = RenderDashboardFor(scope, PortalFixture.Admin);

        cut.WaitForAssertion(() => Assert.Equal(key.Fingerprint, cut.Find("#audit-key-fingerprint").TextContent));
        Assert.Matches("^[0-9a-f]{64}$", key.Fingerprint);
        Assert.Equal(key.KeyId, cut.Find("#audit-key-id").TextContent);
    }

    [Fact]
    public async Task A_sender_sees_secure_messages_and_no_staff_accounts()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderDashboardFor(scope, PortalFixture.Sender);

        Assert.Equal(["Secure messages"], Headings(cut));
        Assert.DoesNotContain("Staff accounts", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("table"));
        Assert.DoesNotContain(PortalFixture.Admin.Email, cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_auditor_sees_the_audit_trail()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderDashboardFor(scope, PortalFixture.AuditingSender);

        Assert.Equal(["Secure messages", "Audit trail"], Headings(cut));
        Assert.Empty(cut.FindAll("table"));
    }

    [Fact]
    public async Task It_names_the_signed_in_user_and_their_roles()
    {
        await using var scope = fixture.CreateScope();
        var cut = RenderDashboardFor(scope, PortalFixture.AuditingSender);

        var line = cut.FindAll("p").Single(p => p.TextContent.StartsWith("Signed in as", StringComparison.Ordinal));
        Assert.Equal($"Signed in as {PortalFixture.AuditingSender.Email} (Sender, Auditor)", line.TextContent);
        Assert.Equal(PortalFixture.AuditingSender.Email, line.QuerySelector("strong")?.TextContent);
    }

    [Fact]
    public async Task The_creation_time_reads_the_same_whatever_the_server_culture()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("da-DK");
        try
        {
            await using var scope = fixture.CreateScope();
            var cut = RenderDashboardFor(scope, PortalFixture.Admin);

            cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("table tbody tr")));
            Assert.All(cut.FindAll("table tbody tr td:nth-child(3)"), cell => Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", cell.TextContent));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private IRenderedComponent<Dashboard> RenderDashboardFor(AsyncServiceScope scope, StaffMember member)
    {
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<StaffAccounts>());
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<IOptions<PolicyOptions>>());
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<IOptions<AuditOptions>>());
        Services.AddScoped(_ => scope.ServiceProvider.GetRequiredService<AuditCheckpoints>());
        var auth = AddAuthorization();
        auth.SetAuthorized(member.Email);
        auth.SetRoles([.. member.Roles]);
        return Render<Dashboard>();
    }

    private static string[] Headings(IRenderedComponent<Dashboard> cut) =>
        [.. cut.FindAll(".cards h2").Select(h => h.TextContent)];
}
