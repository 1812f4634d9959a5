using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Consent;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Consent;

/// <summary>Consent given and withdrawn on a real database: what is recorded, text versions, and that withdrawal ends access.</summary>
public sealed class ConsentServiceTests
{
    private const string Ip = "203.0.113.7";
    private const string Browser = "Mozilla/5.0 (Test) Consent/1.0";

    [Fact]
    public async Task Giving_consent_records_the_version_language_hash_of_the_exact_text_and_how()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(new Dictionary<string, string?> { ["Consent:Version"] = "v-test-1" }), clock);
        var email = NewAddress();
        var session = await Verification.RecipientSessionsTests.StartAsync(portal, email);
        Assert.False(await HasConsentedAsync(portal, email));

        var shown = portal.Services.GetRequiredService<ConsentTexts>().Current("da");
        Assert.True(await GiveAsync(portal, email.ToUpperInvariant(), shown, session.Id));

        Assert.True(await HasConsentedAsync(portal, $" {email} "));
        var record = Assert.Single(await RecordsAsync(portal, email));
        Assert.Equal("v-test-1", record.Version);
        Assert.Equal("da", record.Language);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(shown.Text)), record.TextHash);
        Assert.Equal(clock.GetUtcNow(), record.GivenAt);
        Assert.Equal(session.Id, record.SessionId);
        Assert.Equal(Ip, record.ClientIp);
        Assert.Equal(Browser, record.UserAgent);
        Assert.Null(record.WithdrawnAt);
        // Another address has not consented.
        Assert.False(await HasConsentedAsync(portal, NewAddress("bo")));
    }

    [Fact]
    public async Task Consent_to_a_text_that_changed_while_it_was_shown_is_refused_and_a_new_version_asks_again()
    {
        using var data = new TempFolder();
        var clock = NewClock();
        var email = NewAddress();
        // One data folder, master key and database (in the PostgreSQL lane) for the three portals in turn.
        var shared = SharedDataSettings(data);
        Dictionary<string, string?> With(params (string Key, string Value)[] consent)
        {
            var settings = new Dictionary<string, string?>(shared);
            foreach (var (key, value) in consent)
            {
                settings[key] = value;
            }

            return settings;
        }

        ConsentText shownV1;
        using (var v1 = Portal(With(("Consent:Version", "v1")), clock))
        {
            shownV1 = v1.Services.GetRequiredService<ConsentTexts>().Current("en");
            Assert.True(await GiveAsync(v1, email, shownV1, Guid.NewGuid()));
            Assert.True(await HasConsentedAsync(v1, email));
        }

        var other = NewAddress("bo");
        // The same version number with a changed text: the hash differs.
        using (var edited = Portal(With(("Consent:Version", "v1"), ("Consent:Texts:en", "Edited text for {organisation}.")), clock))
        {
            Assert.Equal($"Edited text for {Organisation}.", edited.Services.GetRequiredService<ConsentTexts>().Current("en").Text);
            Assert.False(await GiveAsync(edited, other, shownV1, Guid.NewGuid()));
        }

        using (var v2 = Portal(With(("Consent:Version", "v2")), clock))
        {
            Assert.False(await GiveAsync(v2, other, shownV1, Guid.NewGuid()));
            Assert.Empty(await RecordsAsync(v2, other));

            // Consent to v1 does not count for v2.
            Assert.False(await HasConsentedAsync(v2, email));
            var shownV2 = v2.Services.GetRequiredService<ConsentTexts>().Current("en");
            Assert.True(await GiveAsync(v2, email, shownV2, Guid.NewGuid()));
            Assert.True(await HasConsentedAsync(v2, email));
            Assert.Equal(["v1", "v2"], (await RecordsAsync(v2, email)).Select(r => r.Version).Order());
        }
    }

    [Fact]
    public async Task Withdrawing_marks_the_records_withdrawn_and_ends_every_session_of_the_address()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        var email = NewAddress();
        var first = await Verification.RecipientSessionsTests.StartAsync(portal, email);
        var second = await Verification.RecipientSessionsTests.StartAsync(portal, email.ToUpperInvariant(), VerificationMethods.Passkey);
        var someoneElse = NewAddress("bo");
        var otherSession = await Verification.RecipientSessionsTests.StartAsync(portal, someoneElse);
        var shown = portal.Services.GetRequiredService<ConsentTexts>().Current("en");
        Assert.True(await GiveAsync(portal, email, shown, first.Id));
        Assert.True(await GiveAsync(portal, someoneElse, shown, otherSession.Id));

        clock.Advance(TimeSpan.FromMinutes(5));
        await UseAsync<ConsentService>(portal, consent => consent.WithdrawAsync($" {email.ToUpperInvariant()}", "198.51.100.4", "Withdrawing browser"));

        Assert.False(await HasConsentedAsync(portal, email));
        var record = Assert.Single(await RecordsAsync(portal, email));
        Assert.Equal(clock.GetUtcNow(), record.WithdrawnAt);
        Assert.Equal("198.51.100.4", record.WithdrawnFromIp);
        Assert.Equal("Withdrawing browser", record.WithdrawnUserAgent);
        Assert.Equal(clock.GetUtcNow().AddMinutes(-5), record.GivenAt);

        var sessions = await portal.WithDbAsync(db => db.RecipientSessions.AsNoTracking().Where(s => s.Id == first.Id || s.Id == second.Id).ToListAsync());
        Assert.All(sessions, s =>
        {
            Assert.Equal(SessionEndReasons.ConsentWithdrawn, s.EndReason);
            Assert.Equal(clock.GetUtcNow(), s.EndedAt);
        });
        Assert.Null(await UseAsync<RecipientSessions, RecipientSession?>(portal, s => s.ValidateAsync(first.Id)));
        Assert.Null(await UseAsync<RecipientSessions, RecipientSession?>(portal, s => s.ValidateAsync(second.Id)));

        // The other address keeps its consent and its session.
        Assert.True(await HasConsentedAsync(portal, someoneElse));
        Assert.NotNull(await UseAsync<RecipientSessions, RecipientSession?>(portal, s => s.ValidateAsync(otherSession.Id)));

        // Consent can be given again, as a new record.
        Assert.True(await GiveAsync(portal, email, shown, Guid.NewGuid()));
        Assert.True(await HasConsentedAsync(portal, email));
        Assert.Equal(2, (await RecordsAsync(portal, email)).Count);
    }

    [Fact]
    public async Task The_text_is_Danish_for_da_English_otherwise_with_the_organisation_filled_in()
    {
        using var portal = Portal(Settings());
        var texts = portal.Services.GetRequiredService<ConsentTexts>();

        var danish = texts.Current("da");
        Assert.Equal(("da", ConsentTexts.DefaultDanish.Replace("{organisation}", Organisation, StringComparison.Ordinal)), (danish.Language, danish.Text));
        Assert.Equal("da", texts.Current("DA").Language);
        foreach (var language in new[] { "en", "de", "", null })
        {
            var english = texts.Current(language);
            Assert.Equal(("en", ConsentTexts.DefaultEnglish.Replace("{organisation}", Organisation, StringComparison.Ordinal)), (english.Language, english.Text));
        }

        Assert.All(new[] { danish, texts.Current("en") }, text =>
        {
            Assert.Contains(Organisation, text.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("{organisation}", text.Text, StringComparison.Ordinal);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(text.Text)), text.Hash);
        });
        Assert.NotEqual(danish.Hash, texts.Current("en").Hash);
    }

    [Fact]
    public async Task Configured_texts_replace_the_built_in_ones()
    {
        using var portal = Portal(Settings(new Dictionary<string, string?>
        {
            ["Consent:Texts:en"] = "I agree with {organisation}.",
            ["Consent:Texts:da"] = "Jeg er enig med {organisation}.",
        }));
        var texts = portal.Services.GetRequiredService<ConsentTexts>();

        Assert.Equal($"I agree with {Organisation}.", texts.Current("en").Text);
        Assert.Equal($"Jeg er enig med {Organisation}.", texts.Current("da").Text);
    }

    private static Task<bool> HasConsentedAsync(PortalFactory portal, string email) =>
        UseAsync<ConsentService, bool>(portal, consent => consent.HasConsentedAsync(email));

    private static Task<bool> GiveAsync(PortalFactory portal, string email, ConsentText shown, Guid sessionId) =>
        UseAsync<ConsentService, bool>(portal, consent => consent.GiveAsync(email, shown, sessionId, Ip, Browser));

    private static Task<List<ConsentRecord>> RecordsAsync(PortalFactory portal, string email)
    {
        var normalized = email.ToUpperInvariant();
        return portal.WithDbAsync(db => db.ConsentRecords.AsNoTracking().Where(c => c.NormalizedEmail == normalized).ToListAsync());
    }
}
