using ConnectidMail.Audit;
using ConnectidMail.Messaging;
using ConnectidMail.Passkeys;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Passkeys;

/// <summary>
/// Recipient passkeys against a real portal and database (both lanes) with the real Fido2 checks, driven by a software
/// authenticator: who a passkey verifies, what it opens, and every way a ceremony must be refused.
/// </summary>
public sealed class RecipientPasskeysTests
{
    private const string Origin = PublicBaseUrl;

    [Fact]
    public async Task A_passkey_added_after_a_code_verifies_its_address_without_a_code_and_keeps_its_counter()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var codeSession = await StartSessionAsync(portal, anna, VerificationMethods.Code);

        var enrolment = await EnrolAsync(portal, codeSession, authenticator);
        Assert.Null(enrolment.Failure);
        Assert.Equal("Passkey", enrolment.Name);
        var stored = await portal.WithDbAsync(db => db.RecipientPasskeys.AsNoTracking().SingleAsync(p => p.Id == enrolment.PasskeyId));
        Assert.Equal(anna.ToUpperInvariant(), stored.NormalizedEmail);
        Assert.Equal(authenticator.CredentialId, stored.CredentialId);
        Assert.Equal(codeSession.Id, stored.EnrolledInSessionId);
        Assert.Equal(VerificationMethods.Code, stored.EnrolledAfter);
        Assert.True(await UseAsync<RecipientPasskeys, bool>(portal, p => p.HasPasskeyAsync(anna)));

        authenticator.Counter = 41;
        var verified = await VerifyAsync(portal, anna, authenticator);

        Assert.Equal(new PasskeyVerificationResult(null, enrolment.PasskeyId), verified);
        var used = await portal.WithDbAsync(db => db.RecipientPasskeys.AsNoTracking().SingleAsync(p => p.Id == enrolment.PasskeyId));
        Assert.Equal(42, used.SignCount);
        Assert.Equal(clock.GetUtcNow(), used.LastUsedAt);

        // Both recorded in the audit trail, by the record's id, with the method and no credential material.
        var subject = enrolment.PasskeyId.ToString();
        var events = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.SubjectId == subject).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal([AuditActions.PasskeyAdded, AuditActions.RecipientVerified], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(anna, e.ActorDisplay));
        Assert.Contains("\"enrolledAfter\":\"code\"", events[0].Detail, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"passkey\"", events[1].Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(authenticator.CredentialId), string.Concat(events.Select(e => e.Detail)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_addresss_passkey_verifies_no_other_address_and_opens_none_of_its_messages()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        using var annasKey = new SoftwareAuthenticator();
        var (anna, bo) = (NewAddress("anna"), NewAddress("bo"));
        var forBo = await SendAsync(client, new { to = new[] { bo }, subject = "For Bo", body = "Only Bo", requirePasskey = true });
        var annasPasskey = (await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), annasKey)).PasskeyId!.Value;

        // Anna's passkey answering a ceremony made for Bo's address.
        Assert.Equal(PasskeyFailure.UnknownCredential, (await VerifyAsync(portal, bo, annasKey)).Failure);
        Assert.False(await portal.WithDbAsync(db => db.RecipientPasskeys.AnyAsync(p => p.NormalizedEmail == bo.ToUpperInvariant())));

        // Even a session verified by Anna's passkey finds nothing of Bo's.
        var annasSession = await StartSessionAsync(portal, anna, VerificationMethods.Passkey, annasPasskey);
        Assert.Equal(RecipientOpenOutcome.NotFound, (await OpenAsync(portal, forBo, annasSession)).Outcome);
        Assert.Empty(await UseAsync<RecipientMessages, IReadOnlyList<InboxItem>>(portal, m => m.InboxAsync(annasSession)));
        // A session naming Anna's passkey but Bo's address (a forged record) does not pass the passkey rule either.
        var forged = await StartSessionAsync(portal, bo, VerificationMethods.Passkey, annasPasskey);
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, (await OpenAsync(portal, forBo, forged)).Outcome);
    }

    [Fact]
    public async Task A_removed_passkey_no_longer_verifies_and_removing_needs_a_recent_verification()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var oldSession = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        var passkeyId = (await EnrolAsync(portal, oldSession, authenticator)).PasskeyId!.Value;
        var message = await SendAsync(client, new { to = new[] { anna }, subject = "Later", body = "Sent after the passkey", requirePasskey = true });
        var passkeySession = await StartSessionAsync(portal, anna, VerificationMethods.Passkey, passkeyId);
        Assert.Equal(RecipientOpenOutcome.Opened, (await OpenAsync(portal, message, passkeySession)).Outcome);

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(PasskeyRemoval.NeedsRecentVerification, await UseAsync<RecipientPasskeys, PasskeyRemoval>(portal, p => p.RemoveAsync(oldSession, passkeyId)));
        var bosSession = await StartSessionAsync(portal, NewAddress("bo"), VerificationMethods.Code);
        Assert.Equal(PasskeyRemoval.NotFound, await UseAsync<RecipientPasskeys, PasskeyRemoval>(portal, p => p.RemoveAsync(bosSession, passkeyId)));
        Assert.Null((await VerifyAsync(portal, anna, authenticator)).Failure);

        var freshSession = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        Assert.Equal(PasskeyRemoval.Removed, await UseAsync<RecipientPasskeys, PasskeyRemoval>(portal, p => p.RemoveAsync(freshSession, passkeyId)));
        var subject = passkeyId.ToString();
        Assert.Single(await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.SubjectId == subject && e.Action == AuditActions.PasskeyRemoved).ToListAsync()));

        Assert.Equal(PasskeyFailure.UnknownCredential, (await VerifyAsync(portal, anna, authenticator)).Failure);
        Assert.False(await UseAsync<RecipientPasskeys, bool>(portal, p => p.HasPasskeyAsync(anna)));
        // A session it verified before no longer opens a message that requires a passkey.
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, (await OpenAsync(portal, message, passkeySession)).Outcome);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData("http://mail.example.test", null)]
    [InlineData(Origin, "evil.example")]
    [InlineData(Origin, "example.test")]
    public async Task An_assertion_for_another_origin_or_relying_party_is_refused(string origin, string? rpId)
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), authenticator);

        var options = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginVerificationAsync(anna));
        var refused = await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(anna, authenticator.Sign(options, origin, rpId)));

        Assert.Equal(PasskeyFailure.Invalid, refused.Failure);
        // The same authenticator with the portal's own origin and relying party is accepted: the refusal was for the origin or id.
        Assert.Null((await VerifyAsync(portal, anna, authenticator)).Failure);
    }

    [Fact]
    public async Task A_passkey_made_for_another_origin_is_not_added()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var session = await StartSessionAsync(portal, anna, VerificationMethods.Code);

        var options = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginEnrolmentAsync(session));
        var result = await UseAsync<RecipientPasskeys, PasskeyEnrolmentResult>(portal, p => p.CompleteEnrolmentAsync(session, authenticator.Create(options, "https://evil.example")));

        Assert.Equal(PasskeyFailure.Invalid, result.Failure);
        Assert.False(await UseAsync<RecipientPasskeys, bool>(portal, p => p.HasPasskeyAsync(anna)));
    }

    [Fact]
    public async Task A_replayed_assertion_and_an_expired_or_foreign_challenge_are_refused()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var session = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        await EnrolAsync(portal, session, authenticator);

        var options = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginVerificationAsync(anna));
        var assertion = authenticator.Sign(options, Origin);
        Assert.Null((await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(anna, assertion))).Failure);
        Assert.Equal(PasskeyFailure.UnknownChallenge, (await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(anna, assertion))).Failure);
        // Signing the used challenge again with a higher counter does not help: the challenge is gone.
        Assert.Equal(PasskeyFailure.UnknownChallenge, (await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(anna, authenticator.Sign(options, Origin)))).Failure);

        var late = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginVerificationAsync(anna));
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(PasskeyFailure.UnknownChallenge, (await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(anna, authenticator.Sign(late, Origin)))).Failure);

        // Enrolment options belong to the session they were made in.
        using var second = new SoftwareAuthenticator();
        var asking = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        var creation = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginEnrolmentAsync(asking));
        var other = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        Assert.Equal(PasskeyFailure.UnknownChallenge, (await UseAsync<RecipientPasskeys, PasskeyEnrolmentResult>(portal, p => p.CompleteEnrolmentAsync(other, second.Create(creation, Origin)))).Failure);
        Assert.Single(await portal.WithDbAsync(db => db.RecipientPasskeys.Where(p => p.NormalizedEmail == anna.ToUpperInvariant()).ToListAsync()));
    }

    [Fact]
    public async Task A_signature_counter_going_backwards_is_refused_and_recorded()
    {
        var clock = NewClock();
        var logs = new LogCollector();
        using var portal = Portal(Settings(), clock, logs);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var passkeyId = (await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), authenticator)).PasskeyId;
        authenticator.Counter = 9;
        Assert.Null((await VerifyAsync(portal, anna, authenticator)).Failure);

        // A copy of the key that is behind the original (counter 10 stored; the copy signs with 5).
        authenticator.Counter = 4;
        Assert.Equal(PasskeyFailure.CounterWentBackwards, (await VerifyAsync(portal, anna, authenticator)).Failure);
        // The same count again is refused too.
        authenticator.Counter = 9;
        Assert.Equal(PasskeyFailure.CounterWentBackwards, (await VerifyAsync(portal, anna, authenticator)).Failure);

        Assert.Equal(10, (await portal.WithDbAsync(db => db.RecipientPasskeys.AsNoTracking().SingleAsync(p => p.Id == passkeyId))).SignCount);
        var subject = passkeyId.ToString();
        var failures = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.SubjectId == subject && e.Action == AuditActions.PasskeyFailed).ToListAsync());
        Assert.Equal(2, failures.Count(e => e.Detail!.Contains("\"reason\":\"counter-went-backwards\"", StringComparison.Ordinal)));
        Assert.Equal(2, logs.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("signature counter went backwards", StringComparison.Ordinal) && l.Contains($"{passkeyId}", StringComparison.Ordinal)));
        // The original, ahead of the stored count, still works.
        authenticator.Counter = 20;
        Assert.Null((await VerifyAsync(portal, anna, authenticator)).Failure);
    }

    [Fact]
    public async Task Require_a_passkey_opens_only_for_a_passkey_added_before_sending_or_after_the_mail_code_and_the_access_code()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var anna = NewAddress();
        using var early = new SoftwareAuthenticator();
        var earlyPasskey = (await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), early)).PasskeyId!.Value;
        clock.Advance(TimeSpan.FromMinutes(1));
        var id = await SendAsync(client, new { to = new[] { anna }, subject = "Both", body = "Needs both", requirePasskey = true, accessCode = "4711-blue" });
        var withoutAccessCode = await SendAsync(client, new { to = new[] { anna }, subject = "Passkey only", body = "Trust on first use", requirePasskey = true });
        clock.Advance(TimeSpan.FromMinutes(1));

        // Added after the mail code alone.
        using var codeOnly = new SoftwareAuthenticator();
        var codeOnlyPasskey = (await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), codeOnly)).PasskeyId!.Value;
        // Added after the mail code and this message's access code.
        using var withAccessCode = new SoftwareAuthenticator();
        var codeAndAccess = await StartSessionAsync(portal, anna, VerificationMethods.Code);
        Assert.Equal(AccessCodeOutcome.Unlocked, await UseAsync<RecipientMessages, AccessCodeOutcome>(portal, m => m.EnterAccessCodeAsync(id, codeAndAccess, "4711-blue")));
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, (await OpenAsync(portal, id, codeAndAccess)).Outcome);
        var accessPasskey = (await EnrolAsync(portal, codeAndAccess, withAccessCode)).PasskeyId!.Value;

        async Task<RecipientOpenOutcome> OpenWithAsync(Guid passkeyId, Guid messageId)
        {
            var session = await StartSessionAsync(portal, anna, VerificationMethods.Passkey, passkeyId);
            await UseAsync<RecipientMessages, AccessCodeOutcome>(portal, m => m.EnterAccessCodeAsync(messageId, session, "4711-blue"));
            return (await OpenAsync(portal, messageId, session)).Outcome;
        }

        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, await OpenWithAsync(codeOnlyPasskey, id));
        Assert.Equal(RecipientOpenOutcome.Opened, await OpenWithAsync(accessPasskey, id));
        Assert.Equal(RecipientOpenOutcome.Opened, await OpenWithAsync(earlyPasskey, id));
        // Without an access code the first passkey after the mail code is trusted on first use.
        Assert.Equal(RecipientOpenOutcome.Opened, await OpenWithAsync(codeOnlyPasskey, withoutAccessCode));
        // The passkey session still needs the access code itself.
        var noAccessCode = await StartSessionAsync(portal, anna, VerificationMethods.Passkey, accessPasskey);
        Assert.Equal(RecipientOpenOutcome.NeedsAccessCode, (await OpenAsync(portal, id, noAccessCode)).Outcome);
        // A passkey added in a passkey session vouches for nothing sent before it.
        using var chained = new SoftwareAuthenticator();
        var chainedPasskey = (await EnrolAsync(portal, noAccessCode, chained)).PasskeyId!.Value;
        Assert.Equal(RecipientOpenOutcome.NeedsPasskey, await OpenWithAsync(chainedPasskey, withoutAccessCode));
    }

    [Fact]
    public async Task The_sender_sees_how_a_recipient_was_verified()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        using var authenticator = new SoftwareAuthenticator();
        var anna = NewAddress();
        var id = await SendAsync(client, new { to = new[] { anna }, subject = "Receipt", body = "Body" });
        var passkeyId = (await EnrolAsync(portal, await StartSessionAsync(portal, anna, VerificationMethods.Code), authenticator)).PasskeyId;

        Assert.Equal(RecipientOpenOutcome.Opened, (await OpenAsync(portal, id, await StartSessionAsync(portal, anna, VerificationMethods.Passkey, passkeyId))).Outcome);

        var recipient = RecipientOf(await GetMessageAsync(client, id), anna);
        Assert.Equal("passkey", recipient.GetProperty("verifiedBy").GetString());
        Assert.Equal(RecipientOpenOutcome.Opened, (await OpenAsync(portal, id, await StartSessionAsync(portal, anna, VerificationMethods.Code))).Outcome);
        Assert.Equal("code", RecipientOf(await GetMessageAsync(client, id), anna).GetProperty("verifiedBy").GetString());
    }

    private static Task<RecipientSession> StartSessionAsync(PortalFactory portal, string email, string method, Guid? passkeyId = null) =>
        UseAsync<RecipientSessions, RecipientSession>(portal, s => s.StartAsync(email, method, null, null, passkeyId));

    private static async Task<PasskeyEnrolmentResult> EnrolAsync(PortalFactory portal, RecipientSession session, SoftwareAuthenticator authenticator)
    {
        var options = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginEnrolmentAsync(session));
        var result = await UseAsync<RecipientPasskeys, PasskeyEnrolmentResult>(portal, p => p.CompleteEnrolmentAsync(session, authenticator.Create(options, Origin)));
        Assert.Null(result.Failure);
        return result;
    }

    private static async Task<PasskeyVerificationResult> VerifyAsync(PortalFactory portal, string email, SoftwareAuthenticator authenticator)
    {
        var options = await UseAsync<RecipientPasskeys, string>(portal, p => p.BeginVerificationAsync(email));
        return await UseAsync<RecipientPasskeys, PasskeyVerificationResult>(portal, p => p.CompleteVerificationAsync(email, authenticator.Sign(options, Origin)));
    }

    private static Task<RecipientOpenResult> OpenAsync(PortalFactory portal, Guid id, RecipientSession session) =>
        UseAsync<RecipientMessages, RecipientOpenResult>(portal, m => m.OpenAsync(id, session));
}
