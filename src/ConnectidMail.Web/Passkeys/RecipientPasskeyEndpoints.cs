using System.Text.Json;
using ConnectidMail.Consent;
using ConnectidMail.Messaging;
using ConnectidMail.Passkeys;
using ConnectidMail.Verification;
using ConnectidMail.Web.Hardening;
using ConnectidMail.Web.Recipient;
using Fido2NetLib;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ConnectidMail.Web.Passkeys;

/// <summary>
/// The JSON endpoints wwwroot-assets/js/recipient-passkeys.js drives: options for a ceremony, then the browser's answer.
/// Adding needs a verified recipient session; verifying works from a link (the verification page) or to step up a session.
/// </summary>
public static class RecipientPasskeyEndpoints
{
    public const string BasePath = "/recipient/passkeys";

    public static WebApplicationBuilder AddRecipientPasskeys(this WebApplicationBuilder builder)
    {
        builder.AddPasskeys();
        return builder;
    }

    public static WebApplication MapRecipientPasskeys(this WebApplication app)
    {
        var group = app.MapGroup(BasePath).ExcludeFromDescription().RequireRateLimit(RateLimits.Passkeys);
        group.MapPost("/enrol/options", EnrolOptionsAsync).RequireAuthorization(RecipientAuthentication.Policy);
        group.MapPost("/enrol", EnrolAsync).RequireAuthorization(RecipientAuthentication.Policy);
        group.MapPost("/verify/options", VerifyOptionsAsync).AllowAnonymous();
        group.MapPost("/verify", VerifyAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> EnrolOptionsAsync(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] RecipientPasskeys passkeys)
    {
        if (await RefusedAsync(http, antiforgery) is { } refused)
        {
            return refused;
        }

        return RecipientAuthentication.ValidatedSession(http) is { } session
            ? Results.Content(await passkeys.BeginEnrolmentAsync(session, http.RequestAborted), "application/json")
            : SessionEnded();
    }

    private static async Task<IResult> EnrolAsync(HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] RecipientPasskeys passkeys)
    {
        if (await RefusedAsync(http, antiforgery) is { } refused)
        {
            return refused;
        }

        if (RecipientAuthentication.ValidatedSession(http) is not { } session)
        {
            return SessionEnded();
        }

        if (await ReadAsync<AuthenticatorAttestationRawResponse>(http) is not { Response: not null } attestation)
        {
            return Malformed();
        }

        var result = await passkeys.CompleteEnrolmentAsync(session, attestation, http.RequestAborted);
        return result.Failure is { } failure ? Failed(failure) : TypedResults.Ok(new { id = result.PasskeyId, name = result.Name });
    }

    private static async Task<IResult> VerifyOptionsAsync(
        HttpContext http, [FromServices] IAntiforgery antiforgery, [FromServices] RecipientPasskeys passkeys, [FromServices] LinkCookie linkCookie, [FromServices] RecipientLinks links)
    {
        if (await RefusedAsync(http, antiforgery) is { } refused)
        {
            return refused;
        }

        var (email, _) = await AddressToVerifyAsync(http, linkCookie, links);
        return email is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Open the link in the notification mail again, then use your passkey.")
            : Results.Content(await passkeys.BeginVerificationAsync(email, http.RequestAborted), "application/json");
    }

    private static async Task<IResult> VerifyAsync(
        HttpContext http,
        [FromServices] IAntiforgery antiforgery,
        [FromServices] RecipientPasskeys passkeys,
        [FromServices] RecipientSessions sessions,
        [FromServices] RecipientMessages messages,
        [FromServices] ConsentService consent,
        [FromServices] RecipientSessionSignals signals,
        [FromServices] LinkCookie linkCookie,
        [FromServices] RecipientLinks links)
    {
        if (await RefusedAsync(http, antiforgery) is { } refused)
        {
            return refused;
        }

        var (email, link) = await AddressToVerifyAsync(http, linkCookie, links);
        if (email is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Open the link in the notification mail again, then use your passkey.");
        }

        if (await ReadAsync<AuthenticatorAssertionRawResponse>(http) is not { Response: not null } assertion)
        {
            return Malformed();
        }

        var aborted = http.RequestAborted;
        var result = await passkeys.CompleteVerificationAsync(email, assertion, aborted);
        if (result.Failure is { } failure)
        {
            return Failed(failure);
        }

        // A new session (and session id) for every verification, as with codes; the browser's older one ends. Access codes
        // entered in it for the same address stay entered: it is the same browser stepping up.
        var old = RecipientAuthentication.ValidatedSession(http);
        var session = await sessions.StartAsync(email, VerificationMethods.Passkey, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString(), result.PasskeyId, aborted);
        if (old is not null)
        {
            if (old.NormalizedEmail == session.NormalizedEmail)
            {
                await sessions.CarryUnlocksAsync(old.Id, session.Id, aborted);
            }

            await sessions.EndAsync(old.Id, SessionEndReasons.SignedOut, aborted);
            signals.SessionsEndedAfter(http, old.Email);
        }

        await http.SignInAsync(RecipientAuthentication.Scheme, RecipientAuthentication.PrincipalFor(session));
        if (link is null)
        {
            return TypedResults.Ok(new { location = (string?)null });
        }

        await messages.MarkVerifiedAsync(link.RecipientId, session.CreatedAt, VerificationMethods.Passkey, aborted);
        LinkCookie.Delete(http);
        var consented = await consent.HasConsentedAsync(email, aborted);
        return TypedResults.Ok(new { location = consented ? $"m/{link.MessageId}" : $"consent?m={link.MessageId}" });
    }

    /// <summary>The link's address on the verification page; else the signed-in recipient's own address (stepping up to a passkey).</summary>
    private static async Task<(string? Email, RecipientLink? Link)> AddressToVerifyAsync(HttpContext http, LinkCookie linkCookie, RecipientLinks links)
    {
        await http.AuthenticateAsync(RecipientAuthentication.Scheme);
        if (linkCookie.Read(http) is { } recipientId && await links.FindByRecipientAsync(recipientId, http.RequestAborted) is { } link)
        {
            return (link.Email, link);
        }

        return (RecipientAuthentication.ValidatedSession(http)?.Email, null);
    }

    // JSON posts carry no form, so minimal APIs do not check antiforgery themselves: the script sends the token as a header.
    private static async Task<IResult?> RefusedAsync(HttpContext http, IAntiforgery antiforgery) =>
        await antiforgery.IsRequestValidAsync(http)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The page expired; reload it and try again.");

    private static async Task<T?> ReadAsync<T>(HttpContext http)
        where T : class
    {
        if (!http.Request.HasJsonContentType())
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProblemHttpResult SessionEnded() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Your session has ended. Open the link in the notification mail again.");

    private static ProblemHttpResult Malformed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The browser's passkey answer could not be read. Try again.");

    private static ProblemHttpResult Failed(PasskeyFailure failure) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: failure switch
        {
            PasskeyFailure.UnknownChallenge => "This passkey request expired or was already used. Try again.",
            PasskeyFailure.UnknownCredential => "This passkey is not registered for this address. Use the mail code instead.",
            PasskeyFailure.CounterWentBackwards => "This passkey was refused because it may have been copied. Use the mail code instead, and tell the sender.",
            _ => "The passkey could not be checked. Try again, or use the mail code instead.",
        },
        extensions: new Dictionary<string, object?> { ["reason"] = JsonNamingPolicy.CamelCase.ConvertName(failure.ToString()) });
}
