using System.Security.Cryptography;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Verification;
using Fido2NetLib;
using Fido2NetLib.Exceptions;
using Fido2NetLib.Objects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Passkeys;

/// <summary>
/// Passkeys of recipient addresses: adding one in a verified session, verifying an address with one instead of a mailed
/// code, listing, renaming and removing them. Every ceremony's options stay on the server and are used once.
/// </summary>
public sealed class RecipientPasskeys(
    ConnectidDbContext db,
    IFido2 fido2,
    AuditTrail audit,
    IOptions<PasskeyOptions> options,
    TimeProvider clock,
    ILogger<RecipientPasskeys> logger)
{
    private const int UserHandleBytes = 32;

    /// <summary>Creation options (JSON for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>) to add a passkey to the session's address.</summary>
    public async Task<string> BeginEnrolmentAsync(RecipientSession session, CancellationToken cancellationToken = default)
    {
        var existing = await db.RecipientPasskeys.AsNoTracking().Where(p => p.NormalizedEmail == session.NormalizedEmail)
            .Select(p => new { p.CredentialId, p.UserHandle }).ToListAsync(cancellationToken);
        var creation = fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User
            {
                Id = existing.FirstOrDefault()?.UserHandle ?? RandomNumberGenerator.GetBytes(UserHandleBytes),
                Name = session.Email,
                DisplayName = session.Email,
            },
            ExcludeCredentials = [.. existing.Select(p => new PublicKeyCredentialDescriptor(p.CredentialId))],
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Preferred,
                UserVerification = UserVerificationRequirement.Required,
            },
            AttestationPreference = AttestationConveyancePreference.None,
            PubKeyCredParams = [PubKeyCredParam.ES256, PubKeyCredParam.RS256, PubKeyCredParam.Ed25519],
        });
        var json = creation.ToJson();
        await StoreChallengeAsync(creation.Challenge, PasskeyCeremonies.Enrol, session.NormalizedEmail, session.Id, json, cancellationToken);
        return json;
    }

    /// <summary>Checks the browser's new credential against the stored options and keeps it for the session's address.</summary>
    public async Task<PasskeyEnrolmentResult> CompleteEnrolmentAsync(RecipientSession session, AuthenticatorAttestationRawResponse response, CancellationToken cancellationToken = default)
    {
        var challenge = await TakeChallengeAsync(response.Response?.ClientDataJson, PasskeyCeremonies.Enrol, cancellationToken);
        if (challenge is null || challenge.SessionId != session.Id || challenge.NormalizedEmail != session.NormalizedEmail)
        {
            logger.LogWarning("Passkey enrolment refused in session {SessionId}: unknown, used or expired challenge", session.Id);
            await RecordFailureAsync(session.Email, PasskeyCeremonies.Enrol, PasskeyFailure.UnknownChallenge, null, cancellationToken);
            return new PasskeyEnrolmentResult(PasskeyFailure.UnknownChallenge);
        }

        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(challenge.OptionsJson),
                IsCredentialIdUniqueToUserCallback = async (args, ct) => !await db.RecipientPasskeys.AnyAsync(p => p.CredentialId == args.CredentialId, ct),
            }, cancellationToken);
        }
        catch (Fido2VerificationException e)
        {
            logger.LogWarning("Passkey enrolment refused in session {SessionId}: {Reason}", session.Id, e.Code);
            await RecordFailureAsync(session.Email, PasskeyCeremonies.Enrol, PasskeyFailure.Invalid, null, cancellationToken);
            return new PasskeyEnrolmentResult(PasskeyFailure.Invalid);
        }

        var now = clock.GetUtcNow();
        var count = await db.RecipientPasskeys.CountAsync(p => p.NormalizedEmail == session.NormalizedEmail, cancellationToken);
        var passkey = new RecipientPasskey
        {
            Id = Guid.NewGuid(),
            NormalizedEmail = session.NormalizedEmail,
            CredentialId = credential.Id,
            PublicKey = credential.PublicKey,
            SignCount = credential.SignCount,
            UserHandle = credential.User.Id,
            AaGuid = credential.AaGuid,
            Name = count == 0 ? "Passkey" : $"Passkey {count + 1}",
            CreatedAt = now,
            EnrolledInSessionId = session.Id,
            EnrolledAfter = session.Method,
        };
        db.RecipientPasskeys.Add(passkey);
        if (session.Method == VerificationMethods.Code)
        {
            // What the enrolling session had proven besides the mail code: the access codes entered in it.
            var unlocked = await db.RecipientSessionUnlocks.Where(u => u.SessionId == session.Id).Select(u => u.MessageId).ToListAsync(cancellationToken);
            db.RecipientPasskeyUnlocks.AddRange(unlocked.Select(m => new RecipientPasskeyUnlock { PasskeyId = passkey.Id, MessageId = m }));
        }

        audit.Record(db, ActorFor(session.Email, session.Id), AuditActions.PasskeyAdded, new AuditSubjects(SubjectId: passkey.Id.ToString()),
            new { enrolledAfter = session.Method, sessionId = session.Id, accessCodesEntered = session.Method == VerificationMethods.Code ? db.RecipientPasskeyUnlocks.Local.Count(u => u.PasskeyId == passkey.Id) : 0 });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Passkey {PasskeyId} added in session {SessionId} (after {Method})", passkey.Id, session.Id, session.Method);
        return new PasskeyEnrolmentResult(null, passkey.Id, passkey.Name);
    }

    /// <summary>Request options (JSON for <c>PublicKeyCredential.parseRequestOptionsFromJSON</c>) to verify the address with one of its passkeys.</summary>
    public async Task<string> BeginVerificationAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        var allowed = await db.RecipientPasskeys.AsNoTracking().Where(p => p.NormalizedEmail == normalized)
            .Select(p => p.CredentialId).ToListAsync(cancellationToken);
        var request = fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [.. allowed.Select(id => new PublicKeyCredentialDescriptor(id))],
            UserVerification = UserVerificationRequirement.Required,
        });
        var json = request.ToJson();
        await StoreChallengeAsync(request.Challenge, PasskeyCeremonies.Verify, normalized, null, json, cancellationToken);
        return json;
    }

    /// <summary>Checks an assertion made for <paramref name="email"/>: only that address's passkeys, once per challenge, with a counter that never goes back.</summary>
    public async Task<PasskeyVerificationResult> CompleteVerificationAsync(string email, AuthenticatorAssertionRawResponse response, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        var challenge = await TakeChallengeAsync(response.Response?.ClientDataJson, PasskeyCeremonies.Verify, cancellationToken);
        if (challenge is null || challenge.NormalizedEmail != normalized)
        {
            logger.LogWarning("Passkey verification refused: unknown, used or expired challenge");
            await RecordFailureAsync(email, PasskeyCeremonies.Verify, PasskeyFailure.UnknownChallenge, null, cancellationToken);
            return new PasskeyVerificationResult(PasskeyFailure.UnknownChallenge);
        }

        var rawId = response.RawId ?? [];
        var passkey = await db.RecipientPasskeys.SingleOrDefaultAsync(p => p.CredentialId == rawId && p.NormalizedEmail == normalized, cancellationToken);
        if (passkey is null)
        {
            logger.LogWarning("Passkey verification refused: the credential is not one of the address's passkeys");
            await RecordFailureAsync(email, PasskeyCeremonies.Verify, PasskeyFailure.UnknownCredential, null, cancellationToken);
            return new PasskeyVerificationResult(PasskeyFailure.UnknownCredential);
        }

        VerifyAssertionResult verified;
        try
        {
            verified = await fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(challenge.OptionsJson),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = (uint)passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) => Task.FromResult(
                    CryptographicOperations.FixedTimeEquals(args.UserHandle, passkey.UserHandle) && args.CredentialId.AsSpan().SequenceEqual(passkey.CredentialId)),
            }, cancellationToken);
        }
        catch (Fido2VerificationException e) when (e.Code == Fido2ErrorCode.InvalidSignCount)
        {
            // A counter at or below the stored one: the key may have been copied to another authenticator.
            logger.LogWarning("Passkey {PasskeyId} refused: its signature counter went backwards (stored {Stored}); possible cloned authenticator", passkey.Id, passkey.SignCount);
            await RecordFailureAsync(email, PasskeyCeremonies.Verify, PasskeyFailure.CounterWentBackwards, passkey.Id, cancellationToken);
            return new PasskeyVerificationResult(PasskeyFailure.CounterWentBackwards);
        }
        catch (Fido2VerificationException e)
        {
            logger.LogWarning("Passkey {PasskeyId} verification refused: {Reason}", passkey.Id, e.Code);
            await RecordFailureAsync(email, PasskeyCeremonies.Verify, PasskeyFailure.Invalid, passkey.Id, cancellationToken);
            return new PasskeyVerificationResult(PasskeyFailure.Invalid);
        }

        passkey.SignCount = verified.SignCount;
        passkey.LastUsedAt = clock.GetUtcNow();
        audit.Record(db, ActorFor(email, null), AuditActions.RecipientVerified, new AuditSubjects(SubjectId: passkey.Id.ToString()), new { method = VerificationMethods.Passkey });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Passkey {PasskeyId} verified its address", passkey.Id);
        return new PasskeyVerificationResult(null, passkey.Id);
    }

    public Task<bool> HasPasskeyAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        return db.RecipientPasskeys.AnyAsync(p => p.NormalizedEmail == normalized, cancellationToken);
    }

    /// <summary>The address's passkeys, oldest first.</summary>
    public async Task<IReadOnlyList<PasskeyView>> ListAsync(RecipientSession session, CancellationToken cancellationToken = default)
    {
        var rows = await db.RecipientPasskeys.AsNoTracking().Where(p => p.NormalizedEmail == session.NormalizedEmail).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(p => p.CreatedAt).Select(p => new PasskeyView(p.Id, p.Name, p.CreatedAt, p.LastUsedAt, p.EnrolledAfter, p.Id == session.PasskeyId))];
    }

    /// <summary>Renames one of the session's address's passkeys; false when it is not one of them.</summary>
    public async Task<bool> RenameAsync(RecipientSession session, Guid passkeyId, string name, CancellationToken cancellationToken = default)
    {
        var passkey = await db.RecipientPasskeys.SingleOrDefaultAsync(p => p.Id == passkeyId && p.NormalizedEmail == session.NormalizedEmail, cancellationToken);
        if (passkey is null)
        {
            return false;
        }

        passkey.Name = name.Trim();
        audit.Record(db, ActorFor(session.Email, session.Id), AuditActions.PasskeyRenamed, new AuditSubjects(SubjectId: passkey.Id.ToString()), new { name = passkey.Name });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Passkey {PasskeyId} renamed in session {SessionId}", passkey.Id, session.Id);
        return true;
    }

    /// <summary>Removes one of the address's passkeys, only when the session was verified a short while ago.</summary>
    public async Task<PasskeyRemoval> RemoveAsync(RecipientSession session, Guid passkeyId, CancellationToken cancellationToken = default)
    {
        if (clock.GetUtcNow() - session.CreatedAt > options.Value.RecentVerification)
        {
            return PasskeyRemoval.NeedsRecentVerification;
        }

        var passkey = await db.RecipientPasskeys.SingleOrDefaultAsync(p => p.Id == passkeyId && p.NormalizedEmail == session.NormalizedEmail, cancellationToken);
        if (passkey is null)
        {
            return PasskeyRemoval.NotFound;
        }

        db.RecipientPasskeys.Remove(passkey);
        audit.Record(db, ActorFor(session.Email, session.Id), AuditActions.PasskeyRemoved, new AuditSubjects(SubjectId: passkeyId.ToString()), new { sessionId = session.Id });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Passkey {PasskeyId} removed in session {SessionId}", passkeyId, session.Id);
        return PasskeyRemoval.Removed;
    }

    /// <summary>
    /// Whether the session's passkey may open a message that requires one: it must still exist and have been added before
    /// the message was sent, or in a session verified by the mail code and, when the message has one, its access code
    /// (without an access code a first passkey is trusted on first use).
    /// </summary>
    public async Task<bool> OpensPasskeyOnlyMessageAsync(RecipientSession session, Guid messageId, DateTimeOffset messageSentAt, bool messageHasAccessCode, CancellationToken cancellationToken = default)
    {
        if (session.Method != VerificationMethods.Passkey || session.PasskeyId is not { } passkeyId)
        {
            return false;
        }

        var passkey = await db.RecipientPasskeys.AsNoTracking().SingleOrDefaultAsync(p => p.Id == passkeyId && p.NormalizedEmail == session.NormalizedEmail, cancellationToken);
        if (passkey is null)
        {
            return false;
        }

        if (passkey.CreatedAt < messageSentAt)
        {
            return true;
        }

        return passkey.EnrolledAfter == VerificationMethods.Code
            && (!messageHasAccessCode || await db.RecipientPasskeyUnlocks.AnyAsync(u => u.PasskeyId == passkeyId && u.MessageId == messageId, cancellationToken));
    }

    /// <summary>A recipient is known by address (and session, when there is one), not by a recipient row: passkeys belong to addresses.</summary>
    private static AuditActor ActorFor(string email, Guid? sessionId) => new(AuditActorKind.Recipient, sessionId?.ToString(), email.Trim());

    private async Task RecordFailureAsync(string email, string ceremony, PasskeyFailure reason, Guid? passkeyId, CancellationToken cancellationToken)
    {
        audit.Record(db, ActorFor(email, null), AuditActions.PasskeyFailed, new AuditSubjects(SubjectId: passkeyId?.ToString()),
            new { ceremony, reason = System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(reason.ToString()) });
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task StoreChallengeAsync(byte[] challenge, string ceremony, string normalizedEmail, Guid? sessionId, string optionsJson, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Expired challenges are dropped as new ones are made, so the table stays small without a job.
        await db.PasskeyChallenges.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        db.PasskeyChallenges.Add(new PasskeyChallenge
        {
            Id = Guid.NewGuid(),
            ChallengeHash = SHA256.HashData(challenge),
            Ceremony = ceremony,
            NormalizedEmail = normalizedEmail,
            SessionId = sessionId,
            OptionsJson = optionsJson,
            ExpiresAt = now + options.Value.ChallengeLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The stored ceremony the answer's client data names, removed in one statement so a second answer finds nothing.</summary>
    private async Task<PasskeyChallenge?> TakeChallengeAsync(byte[]? clientDataJson, string ceremony, CancellationToken cancellationToken)
    {
        if (ChallengeIn(clientDataJson) is not { } challenge)
        {
            return null;
        }

        var hash = SHA256.HashData(challenge);
        var stored = await db.PasskeyChallenges.AsNoTracking().SingleOrDefaultAsync(c => c.ChallengeHash == hash, cancellationToken);
        if (stored is null || await db.PasskeyChallenges.Where(c => c.Id == stored.Id).ExecuteDeleteAsync(cancellationToken) != 1)
        {
            return null;
        }

        return stored.Ceremony == ceremony && stored.ExpiresAt > clock.GetUtcNow() ? stored : null;
    }

    private static byte[]? ChallengeIn(byte[]? clientDataJson)
    {
        if (clientDataJson is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(clientDataJson);
            return document.RootElement.TryGetProperty("challenge", out var value) && value.ValueKind == JsonValueKind.String
                ? System.Buffers.Text.Base64Url.DecodeFromChars(value.GetString())
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }

    private static string Normalize(string email) => email.Trim().ToUpperInvariant();
}

public enum PasskeyFailure
{
    /// <summary>No stored ceremony for this answer: never asked for, already used, expired, or made for someone else.</summary>
    UnknownChallenge,

    /// <summary>The credential is not one of the address's passkeys (or was removed).</summary>
    UnknownCredential,

    /// <summary>The authenticator's counter did not move forward: possibly a cloned authenticator.</summary>
    CounterWentBackwards,

    /// <summary>The WebAuthn checks failed (signature, origin, relying party, user verification, ...).</summary>
    Invalid,
}

public sealed record PasskeyEnrolmentResult(PasskeyFailure? Failure, Guid? PasskeyId = null, string? Name = null);

public sealed record PasskeyVerificationResult(PasskeyFailure? Failure, Guid? PasskeyId = null);

public sealed record PasskeyView(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string EnrolledAfter, bool UsedForThisSession);

public enum PasskeyRemoval
{
    Removed,
    NotFound,
    NeedsRecentVerification,
}
