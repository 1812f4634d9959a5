using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Verification;

/// <summary>
/// One-time codes against a real database and a real SMTP server, on a fake clock: mailed through the outbox, stored only
/// encrypted, single use, a limited number of wrong tries, a lifetime, and hourly limits per address and per client IP.
/// </summary>
public sealed class VerificationCodesTests : IAsyncLifetime
{
    private const string Ip = "203.0.113.7";

    private SmtpSink sink = null!;

    public async Task InitializeAsync() => sink = await SmtpSink.StartOnFreePortAsync();

    public async Task DisposeAsync() => await sink.DisposeAsync();

    [Fact]
    public async Task A_code_mail_goes_through_the_outbox_with_8_digits_in_the_body_only_and_the_database_holds_no_plain_code()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();

        var result = await SendAsync(portal, email);

        Assert.True(result.Sent);
        Assert.False(result.Resent);
        Assert.Equal(clock.GetUtcNow(), result.SentAt);
        Assert.Null(result.RetryAt);
        Assert.Equal(VerificationCodes.Mask(email), result.MaskedAddress);
        var mail = Assert.Single(await MailsToAsync(sink, email, 1));
        var code = CodeIn(mail);
        Assert.Equal(email, Assert.Single(mail.To.Mailboxes).Address);

        var row = Assert.Single(await CodesOfAsync(portal, email));
        Assert.Equal(clock.GetUtcNow(), row.CreatedAt);
        Assert.Equal(clock.GetUtcNow().AddMinutes(10), row.ExpiresAt);
        Assert.Equal(0, row.FailedAttempts);
        Assert.Null(row.UsedAt);
        Assert.True(row.EncryptedCode.AsSpan().IndexOf(Encoding.ASCII.GetBytes(code)) < 0, "The stored code row holds the code in plain form.");
        Assert.True(row.EncryptedCode.Length > code.Length, "The stored code is not a ciphertext.");
        Assert.False(await StoredBytes.ContainAsync(portal, code), "The code is stored in plain form somewhere in the database or data folder.");
    }

    [Fact]
    public async Task The_right_code_verifies_once_and_a_reused_code_is_refused()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        clock.Advance(TimeSpan.FromMinutes(3));
        // The address as typed elsewhere (other case, spaces) is the same recipient; people type codes with spaces.
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, $" {email.ToUpperInvariant()} ", $"{code[..4]} {code[4..]}")).Outcome);
        Assert.Equal(clock.GetUtcNow(), Assert.Single(await CodesOfAsync(portal, email)).UsedAt);

        var again = await CheckAsync(portal, email, code);
        Assert.NotEqual(CodeCheckOutcome.Verified, again.Outcome);
        Assert.Equal(CodeCheckOutcome.NoCode, again.Outcome);
    }

    [Fact]
    public async Task Wrong_codes_leave_4_3_2_1_tries_then_lock_and_then_even_the_right_code_is_refused()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        var results = new List<CodeCheckResult>();
        for (var i = 1; i <= 5; i++)
        {
            results.Add(await CheckAsync(portal, email, WrongCode(code, i)));
        }

        Assert.Equal(
            [(CodeCheckOutcome.Wrong, 4), (CodeCheckOutcome.Wrong, 3), (CodeCheckOutcome.Wrong, 2), (CodeCheckOutcome.Wrong, 1), (CodeCheckOutcome.Locked, 0)],
            results.Select(r => (r.Outcome, r.TriesLeft)));
        Assert.Equal(CodeCheckOutcome.Locked, (await CheckAsync(portal, email, code)).Outcome);
        var row = Assert.Single(await CodesOfAsync(portal, email));
        Assert.Equal(5, row.FailedAttempts);
        Assert.Null(row.UsedAt);
    }

    [Fact]
    public async Task A_code_is_refused_once_its_10_minutes_have_passed()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.Equal(CodeCheckOutcome.Expired, (await CheckAsync(portal, email, code)).Outcome);
        Assert.Null(Assert.Single(await CodesOfAsync(portal, email)).UsedAt);
    }

    [Fact]
    public async Task Malformed_input_costs_no_try()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        foreach (var input in new[] { code[..7], "abcdefgh", code + "9", "", null, "1234567a" })
        {
            var result = await CheckAsync(portal, email, input);
            Assert.Equal(CodeCheckOutcome.Malformed, result.Outcome);
            Assert.Equal(5, result.TriesLeft);
        }

        Assert.Equal(0, Assert.Single(await CodesOfAsync(portal, email)).FailedAttempts);
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, code)).Outcome);
    }

    [Fact]
    public async Task Resend_while_the_code_is_valid_mails_the_same_code_again_without_a_new_row()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var first = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        clock.Advance(TimeSpan.FromMinutes(4));
        var again = await SendAsync(portal, email);

        Assert.True(again.Sent);
        Assert.True(again.Resent);
        var mails = await MailsToAsync(sink, email, 2);
        Assert.Equal(2, mails.Count);
        Assert.All(mails, mail => Assert.Equal(first, CodeIn(mail)));
        var row = Assert.Single(await CodesOfAsync(portal, email));
        Assert.Equal(clock.GetUtcNow(), row.LastSentAt);
        Assert.Equal(clock.GetUtcNow().AddMinutes(-4).AddMinutes(10), row.ExpiresAt);
        Assert.Equal(2, await portal.WithDbAsync(db => db.VerificationCodeSends.CountAsync(s => s.CodeId == row.Id)));
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, first)).Outcome);
    }

    [Fact]
    public async Task Requests_arriving_together_make_one_code_and_every_mail_carries_it()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await StatusAsync(portal, email, Ip); // starts the portal (and its migrations) once, before the requests race

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SendAsync(portal, email))));

        Assert.All(results, result => Assert.True(result.Sent));
        Assert.Single(results, result => !result.Resent);
        var row = Assert.Single(await CodesOfAsync(portal, email));
        var mails = await MailsToAsync(sink, email, 4);
        Assert.Equal(4, mails.Count);
        var code = CodeIn(mails[0]);
        Assert.All(mails, mail => Assert.Equal(code, CodeIn(mail)));
        Assert.Equal(4, await portal.WithDbAsync(db => db.VerificationCodeSends.CountAsync(s => s.CodeId == row.Id)));
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, code)).Outcome);
    }

    [Fact]
    public async Task After_a_lock_a_new_request_creates_a_new_different_code_that_verifies()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var first = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));
        for (var i = 1; i <= 5; i++)
        {
            await CheckAsync(portal, email, WrongCode(first, i));
        }

        var again = await SendAsync(portal, email);

        Assert.True(again.Sent);
        Assert.False(again.Resent);
        var second = CodeIn((await MailsToAsync(sink, email, 2))[1]);
        Assert.NotEqual(first, second);
        Assert.Equal(2, (await CodesOfAsync(portal, email)).Count);
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, second)).Outcome);
    }

    [Fact]
    public async Task After_expiry_a_new_request_creates_a_new_different_code_and_the_old_one_stays_refused()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var first = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        clock.Advance(TimeSpan.FromMinutes(11));
        var again = await SendAsync(portal, email);

        Assert.True(again.Sent);
        Assert.False(again.Resent);
        var second = CodeIn((await MailsToAsync(sink, email, 2))[1]);
        Assert.NotEqual(first, second);
        Assert.Equal(2, (await CodesOfAsync(portal, email)).Count);
        Assert.NotEqual(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, first)).Outcome);
        Assert.Equal(CodeCheckOutcome.Verified, (await CheckAsync(portal, email, second)).Outcome);
    }

    [Fact]
    public async Task The_6th_code_mail_within_an_hour_is_refused_until_the_oldest_send_is_an_hour_old()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        var firstSend = clock.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            // New codes and re-sent ones both count.
            clock.SetUtcNow(firstSend.AddMinutes(i * 7));
            Assert.True((await SendAsync(portal, email)).Sent);
        }

        await MailsToAsync(sink, email, 5);
        var refused = await SendAsync(portal, email);

        Assert.False(refused.Sent);
        Assert.Null(refused.SentAt);
        Assert.Equal(firstSend.AddHours(1), refused.RetryAt);
        Assert.Equal(firstSend.AddHours(1), (await StatusAsync(portal, email, Ip)).NextSendAllowedAt);

        clock.SetUtcNow(firstSend.AddHours(1).AddSeconds(-1));
        Assert.False((await SendAsync(portal, email)).Sent);

        clock.SetUtcNow(firstSend.AddHours(1));
        Assert.Null((await StatusAsync(portal, email, Ip)).NextSendAllowedAt);
        Assert.True((await SendAsync(portal, email)).Sent);
        await MailsToAsync(sink, email, 6);
        Assert.Equal(6, sink.Messages.Count(m => m.To.Mailboxes.Any(a => a.Address == email)));
    }

    [Fact]
    public async Task The_per_IP_limit_counts_code_mails_to_different_addresses()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock, new Dictionary<string, string?> { ["Verification:MaxCodesPerIpPerHour"] = "3" });
        var firstSend = clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await SendAsync(portal, NewAddress(), Ip)).Sent);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var fourth = NewAddress();
        var refused = await SendAsync(portal, fourth, Ip);

        Assert.False(refused.Sent);
        Assert.Equal(firstSend.AddHours(1), refused.RetryAt);
        Assert.Equal(firstSend.AddHours(1), (await StatusAsync(portal, fourth, Ip)).NextSendAllowedAt);
        Assert.Empty(await CodesOfAsync(portal, fourth));
        // Another client may still ask for the same address.
        Assert.True((await SendAsync(portal, fourth, "198.51.100.9")).Sent);

        clock.SetUtcNow(firstSend.AddHours(1));
        Assert.True((await SendAsync(portal, NewAddress(), Ip)).Sent);
    }

    [Fact]
    public async Task Parallel_checks_with_the_right_code_verify_exactly_once()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => CheckAsync(portal, email, code))));

        Assert.Equal(1, results.Count(r => r.Outcome == CodeCheckOutcome.Verified));
        Assert.NotNull(Assert.Single(await CodesOfAsync(portal, email)).UsedAt);
    }

    [Fact]
    public async Task Parallel_wrong_guesses_never_exceed_the_try_limit()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        await SendAsync(portal, email);
        var code = CodeIn(Assert.Single(await MailsToAsync(sink, email, 1)));

        var results = await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Task.Run(() => CheckAsync(portal, email, WrongCode(code, i)))));

        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { CodeCheckOutcome.Wrong, CodeCheckOutcome.Locked }));
        Assert.True(results.Count(r => r.Outcome == CodeCheckOutcome.Wrong) <= 4, string.Join(", ", results));
        Assert.Equal(5, Assert.Single(await CodesOfAsync(portal, email)).FailedAttempts);
        Assert.Equal(CodeCheckOutcome.Locked, (await CheckAsync(portal, email, code)).Outcome);
    }

    [Fact]
    public async Task A_ciphertext_copied_to_another_code_row_does_not_decrypt()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var (anna, bo) = (NewAddress("anna"), NewAddress("bo"));
        await SendAsync(portal, anna);
        await SendAsync(portal, bo);
        var annaCode = CodeIn(Assert.Single(await MailsToAsync(sink, anna, 1)));
        var annaRow = Assert.Single(await CodesOfAsync(portal, anna));
        var boRow = Assert.Single(await CodesOfAsync(portal, bo));
        var cipher = portal.Services.GetRequiredService<VerificationCodeCipher>();
        Assert.Equal(annaCode, cipher.Decrypt(annaRow.EncryptedCode, annaRow.Id));

        Assert.ThrowsAny<CryptographicException>(() => cipher.Decrypt(annaRow.EncryptedCode, boRow.Id));

        // Copied in the database, Anna's code does not open Bo's row.
        await portal.WithDbAsync(db => db.VerificationCodes.Where(c => c.Id == boRow.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.EncryptedCode, annaRow.EncryptedCode)));
        CodeCheckResult? result = null;
        var error = await Record.ExceptionAsync(async () => result = await CheckAsync(portal, bo, annaCode));
        Assert.True(error is CryptographicException || result is { Outcome: not CodeCheckOutcome.Verified }, $"{error} {result}");
        Assert.Null(Assert.Single(await CodesOfAsync(portal, bo)).UsedAt);
    }

    [Fact]
    public async Task The_status_tells_the_masked_address_the_last_send_the_lock_and_the_next_allowed_send()
    {
        var clock = NewClock();
        using var portal = CodePortal(clock);
        var email = NewAddress();
        var none = await StatusAsync(portal, email, Ip);
        Assert.Equal(new CodeStatus(VerificationCodes.Mask(email), null, null, false, null), none);

        var sentAt = clock.GetUtcNow();
        await SendAsync(portal, email);
        clock.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(portal, email);
        var code = CodeIn((await MailsToAsync(sink, email, 2))[0]);
        var active = await StatusAsync(portal, email, Ip);
        Assert.Equal(new CodeStatus(VerificationCodes.Mask(email), clock.GetUtcNow(), sentAt.AddMinutes(10), false, null), active);

        for (var i = 1; i <= 5; i++)
        {
            await CheckAsync(portal, email, WrongCode(code, i));
        }

        var locked = await StatusAsync(portal, email, Ip);
        Assert.True(locked.Locked);
        Assert.Null(locked.LastSentAt);
        Assert.Null(locked.NextSendAllowedAt);

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(portal, email);
        }

        var limited = await StatusAsync(portal, email, Ip);
        Assert.False(limited.Locked);
        Assert.Equal(clock.GetUtcNow(), limited.LastSentAt);
        Assert.Equal(sentAt.AddHours(1), limited.NextSendAllowedAt);
    }

    [Theory]
    [InlineData("anna@example.com", "a•••@example.com")]
    [InlineData("  Bo.Larsen@Example.DK ", "B•••@Example.DK")]
    [InlineData("no-at-sign", "•••")]
    public void The_mask_shows_the_first_letter_and_the_domain(string email, string masked) =>
        Assert.Equal(masked, VerificationCodes.Mask(email));

    private PortalFactory CodePortal(FakeTimeProvider clock, IDictionary<string, string?>? extra = null)
    {
        var settings = Settings(sink.PortalSettings());
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return Portal(settings, clock);
    }

    private static Task<CodeRequestResult> SendAsync(PortalFactory portal, string email, string? ip = Ip) =>
        UseAsync<VerificationCodes, CodeRequestResult>(portal, codes => codes.SendAsync(email, ip));

    private static Task<CodeCheckResult> CheckAsync(PortalFactory portal, string email, string? input) =>
        UseAsync<VerificationCodes, CodeCheckResult>(portal, codes => codes.CheckAsync(email, input));

    private static Task<CodeStatus> StatusAsync(PortalFactory portal, string email, string? ip) =>
        UseAsync<VerificationCodes, CodeStatus>(portal, codes => codes.GetStatusAsync(email, ip));

    private static async Task<List<VerificationCode>> CodesOfAsync(PortalFactory portal, string email)
    {
        var normalized = email.ToUpperInvariant();
        var rows = await portal.WithDbAsync(db => db.VerificationCodes.AsNoTracking().Where(c => c.NormalizedEmail == normalized).ToListAsync());
        return [.. rows.OrderBy(c => c.CreatedAt)];
    }
}
