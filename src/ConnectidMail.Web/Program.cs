using ConnectidMail.AccessLog;
using ConnectidMail.ApiKeys;
using ConnectidMail.Branding;
using ConnectidMail.Consent;
using ConnectidMail.Keys;
using ConnectidMail.Mail;
using ConnectidMail.Persistence;
using ConnectidMail.Reports;
using ConnectidMail.Scanning;
using ConnectidMail.Staff;
using ConnectidMail.Storage;
using ConnectidMail.Uploads;
using ConnectidMail.Verification;
using ConnectidMail.Web;
using ConnectidMail.Web.Account;
using ConnectidMail.Web.Admin;
using ConnectidMail.Web.Api;
using ConnectidMail.Web.Audit;
using ConnectidMail.Web.Branding;
using ConnectidMail.Web.Components;
using ConnectidMail.Web.Hardening;
using ConnectidMail.Web.Health;
using ConnectidMail.Web.KeyRing;
using ConnectidMail.Web.Languages;
using ConnectidMail.Web.Messaging;
using ConnectidMail.Web.Passkeys;
using ConnectidMail.Web.Recipient;
using ConnectidMail.Web.Replies;

return await Program.RunAsync(args, ConsoleStreams.System);

public partial class Program
{
    /// <summary>The portal and its admin CLI share one composition, so the CLI always sees the portal's settings.</summary>
    public static async Task<int> RunAsync(string[] args, ConsoleStreams console)
    {
        if (HealthProbe.IsCommand(args))
        {
            return await HealthProbe.RunAsync(args, console);
        }

        // The application name finds the static assets manifest, also when the entry assembly is a test host.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(Program).Assembly.GetName().Name });
        builder.AddTrustedProxies();
        builder.AddSecurityHeaders();
        builder.AddErrorHandling();
        builder.AddRateLimits();
        builder.AddStorage();
        builder.AddDatabase();
        builder.AddKeys();
        builder.AddAuditTrail();
        builder.AddReports();
        builder.AddBranding();
        builder.AddMail();
        builder.AddStaffAccounts();
        builder.AddApiKeys();
        builder.AddScanning();
        builder.AddUploadChecks();
        builder.AddMessagingEndpoints();
        builder.AddVerification();
        builder.AddConsent();
        builder.AddRecipientLanguages();
        builder.AddRecipientLinks();
        builder.AddReplyEndpoints();
        builder.AddRecipientPasskeys();
        builder.AddAccessLog();
        builder.AddKeyRing();
        builder.AddStaffSignIn();
        builder.AddApi();
        builder.AddHealth();
        builder.AddPortalPages();

        if (AdminCli.IsCommand(args))
        {
            return await AdminCli.RunAsync(builder, args, console);
        }

        if (MigrateCommand.IsCommand(args))
        {
            return await MigrateCommand.RunAsync(builder, args, console);
        }

        var app = builder.Build();
        if (!app.Services.ValidateSettings(console.Error))
        {
            return 1;
        }

        app.UseTrustedProxies();
        app.UseSecurityHeaders();
        app.UseRecipientLanguages();
        app.UseErrorPages();
        app.UseRecipientLinks();
        app.UseRateLimits();
        app.UsePortalPages();
        app.MapStaffSignIn();
        app.MapMessagingEndpoints();
        app.MapRecipientLinks();
        app.MapRecipientLanguages();
        app.MapReplyEndpoints();
        app.MapRecipientPasskeys();
        app.MapBranding();
        app.MapApi();
        app.MapHealth();
        await app.RunAsync();
        return 0;
    }
}
