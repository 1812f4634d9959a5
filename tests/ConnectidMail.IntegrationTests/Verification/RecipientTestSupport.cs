using System.Text.RegularExpressions;
using ConnectidMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ConnectidMail.IntegrationTests.Verification;

/// <summary>Core services resolved from a scope of a real portal, and the code mails a real SMTP server received.</summary>
internal static partial class RecipientTestSupport
{
    /// <summary>Runs <paramref name="use"/> with <typeparamref name="TService"/> from a scope of its own, as one request would.</summary>
    public static async Task<T> UseAsync<TService, T>(PortalFactory portal, Func<TService, Task<T>> use)
        where TService : notnull
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public static async Task UseAsync<TService>(PortalFactory portal, Func<TService, Task> use)
        where TService : notnull
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await use(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>An address of its own, in letters only: the mails hold it, and a code is found as the only run of 8 digits.</summary>
    public static string NewAddress(string name = "anna") =>
        $"{name}-{string.Concat(Guid.NewGuid().ToString("N").Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))))}@example.org";

    /// <summary>The mails to <paramref name="address"/>, waiting (bounded) until there are at least <paramref name="count"/>.</summary>
    public static async Task<List<MimeMessage>> MailsToAsync(SmtpSink sink, string address, int count)
    {
        List<MimeMessage> mails = [];
        await Messaging.MessagingTestSupport.WaitForAsync(
            () => Task.FromResult((mails = [.. sink.Messages.Where(m => IsTo(m, address))]).Count >= count),
            TimeSpan.FromSeconds(15),
            () => $"{mails.Count} mail(s) to {address} arrived, {count} expected.");
        return mails;
    }

    /// <summary>The code in a code mail: the only run of exactly 8 digits in its text and HTML parts.</summary>
    public static string CodeIn(MimeMessage mail)
    {
        var inText = EightDigits().Matches(mail.TextBody ?? "").Select(m => m.Value).Distinct().ToList();
        var inHtml = EightDigits().Matches(mail.HtmlBody ?? "").Select(m => m.Value).Distinct().ToList();
        var code = Assert.Single(inText);
        Assert.Equal(code, Assert.Single(inHtml));
        Assert.DoesNotMatch(EightDigits(), mail.Subject);
        Assert.DoesNotContain(code, mail.Subject, StringComparison.Ordinal);
        return code;
    }

    /// <summary>Another 8-digit code than <paramref name="code"/>.</summary>
    public static string WrongCode(string code, int offset = 1) =>
        ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + offset) % 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsTo(MimeMessage mail, string address) =>
        mail.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"(?<!\d)\d{8}(?!\d)")]
    private static partial Regex EightDigits();
}
