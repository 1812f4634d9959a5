using System.Net;
using System.Net.Http.Json;
using static ConnectidMail.IntegrationTests.Hardening.Outcome;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// Who may call what: one row per endpoint or routable page of the portal, keyed as the app's own endpoint data
/// source names it (<c>METHODS /route pattern</c>), with the request to send (placeholders such as <c>{messageA}</c>
/// are filled from <see cref="SeededWorld"/>) and the outcome for each caller, in the column order of <see cref="Caller"/>.
/// To add an endpoint: add a row; the test names any endpoint that has none, and any row whose endpoint is gone.
/// </summary>
internal static class AuthorisationMatrix
{
    private static readonly Outcome[] Everyone200 = [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];

    public static IReadOnlyList<MatrixRow> Rows { get; } =
    [
        //                                                                              Anon      RecA      RecB      SndA      SndB      Auditor   Admin     SndKey    AudKey    Revoked
        // Staff pages: staff sign-in (cookie) only; a recipient's session or an API key is nobody here.
        Row("GET,POST /", "/",                                                          Login,    Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /compose", "/compose",                                            Login,    Denied,   Denied,   Ok,       Ok,       Denied,   Denied,   Login,    Login,    Login),
        Row("GET,POST /sent", "/sent",                                                  Login,    Denied,   Denied,   Ok,       Ok,       Denied,   Denied,   Login,    Login,    Login),
        Row("GET,POST /messages/{Id:guid}", "/messages/{messageA}",                     Login,    Denied,   Denied,   Ok,       Absent,   Denied,   Denied,   Login,    Login,    Login),
        Row("GET,POST /messages/{Id:guid}", "/messages/{messageB}",                     Login,    Denied,   Denied,   Absent,   Ok,       Denied,   Denied,   Login,    Login,    Login),
        Row("GET,POST /admin/users", "/admin/users",                                    Login,    Denied,   Denied,   Denied,   Denied,   Denied,   Ok,       Login,    Login,    Login),
        Row("GET,POST /admin/users/{Id}", "/admin/users/{staffA}",                      Login,    Denied,   Denied,   Denied,   Denied,   Denied,   Ok,       Login,    Login,    Login),
        Row("GET,POST /admin/api-keys", "/admin/api-keys",                              Login,    Denied,   Denied,   Denied,   Denied,   Denied,   Ok,       Login,    Login,    Login),
        Row("GET,POST /admin/branding", "/admin/branding",                              Login,    Denied,   Denied,   Denied,   Denied,   Denied,   Ok,       Login,    Login,    Login),
        // An admin's form post goes back to the branding page (here with "choose a file" / nothing to remove).
        Row("POST /admin/branding/logo", "/admin/branding/logo",                        Login,    Denied,   Denied,   Denied,   Denied,   Denied,   BrandingPage, Login, Login,   Login),
        Row("POST /admin/branding/logo/remove", "/admin/branding/logo/remove",          Login,    Denied,   Denied,   Denied,   Denied,   Denied,   BrandingPage, Login, Login,   Login),
        Row("GET,POST /audit", "/audit",                                                Login,    Denied,   Denied,   Denied,   Denied,   Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /Account/Manage", "/Account/Manage",                              Login,    Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /Account/Manage/ChangePassword", "/Account/Manage/ChangePassword", Login,   Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /Account/Manage/EnableAuthenticator", "/Account/Manage/EnableAuthenticator", Login, Login, Login, Ok,     Ok,       Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /Account/Manage/EnrolTwoFactor", "/Account/Manage/EnrolTwoFactor", Login,   Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),
        Row("GET,POST /Account/Manage/Passkeys", "/Account/Manage/Passkeys",            Login,    Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),

        // Staff sign-in pages: open to everyone.
        Row("GET,POST /Account/Login", "/Account/Login",                                Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        // The second step of a sign-in: without a password step in progress, back to the first.
        Row("GET,POST /Account/LoginWith2fa", "/Account/LoginWith2fa",                  Login,    Login,    Login,    Login,    Login,    Login,    Login,    Login,    Login,    Login),
        Row("GET,POST /Account/LoginWithRecoveryCode", "/Account/LoginWithRecoveryCode", Login,   Login,    Login,    Login,    Login,    Login,    Login,    Login,    Login,    Login),
        Row("GET,POST /Account/Lockout", "/Account/Lockout",                            Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        Row("GET,POST /Account/AccessDenied", "/Account/AccessDenied",                  Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        Row("POST /Account/PasskeyRequestOptions", "/Account/PasskeyRequestOptions",    Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        Row("POST /Account/PasskeyCreationOptions", "/Account/PasskeyCreationOptions",  Login,    Login,    Login,    Ok,       Ok,       Ok,       Ok,       Login,    Login,    Login),

        // The sender's own endpoints behind the pages: another sender's ids answer 404, as if they did not exist.
        Row("POST /messages/send", "/messages/send", NewMessage,                        Login,    Denied,   Denied,   Created,  Created,  Denied,   Denied,   Login,    Login,    Login),
        Row("GET /attachments/{id:guid}", "/attachments/{fileA}",                       Login,    Denied,   Denied,   Ok,       Absent,   Denied,   Denied,   Login,    Login,    Login),
        Row("GET /attachments/{id:guid}", "/attachments/{replyFileA}",                  Login,    Denied,   Denied,   Ok,       Absent,   Denied,   Denied,   Login,    Login,    Login),
        Row("POST /messages/{id:guid}/threads/{recipientId:guid}/replies", "/messages/{messageA}/threads/{threadA}/replies", ReplyForm,
                                                                                        Login,    Denied,   Denied,   Created,  Absent,   Denied,   Denied,   Login,    Login,    Login),

        // Recipient pages: a verified recipient session only, and only for that recipient's messages.
        Row("GET,POST /inbox", "/inbox",                                                Verify,   Ok,       Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /m/{Id:guid}", "/m/{messageA}",                                   Verify,   Ok,       Absent,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /m/{Id:guid}", "/m/{messageB}",                                   Verify,   Absent,   Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /consent", "/consent",                                            Verify,   Inbox,    Inbox,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /consent/withdraw", "/consent/withdraw",                          Verify,   Ok,       Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /recipient/passkeys", "/recipient/passkeys",                      Verify,   Ok,       Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /recipient/activity", "/recipient/activity",                      Verify,   Ok,       Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET,POST /recipient/activity/not-me", "/recipient/activity/not-me",        Verify,   Ok,       Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET /m/files/{id:guid}", "/m/files/{fileA}",                               Verify,   Ok,       Absent,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET /m/files/{id:guid}", "/m/files/{replyFileA}",                          Verify,   Ok,       Absent,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("GET /m/files/{id:guid}", "/m/files/{fileB}",                               Verify,   Absent,   Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("POST /m/{id:guid}/replies", "/m/{messageA}/replies", ReplyForm,            Unauthorized, Created, Absent, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized),
        Row("POST /recipient/passkeys/enrol/options", "/recipient/passkeys/enrol/options", Verify, Ok,      Ok,       Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("POST /recipient/passkeys/enrol", "/recipient/passkeys/enrol", EmptyJson,   Verify,   BadRequest, BadRequest, Verify, Verify,   Verify,   Verify,   Verify,   Verify,   Verify),

        // The recipient's way in: open to everyone, and they reveal nothing by themselves (a verified recipient moves on).
        Row("GET,POST /verify", "/verify",                                              Ok,       Inbox,    Inbox,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        Row("GET,POST /signed-out", "/signed-out",                                      Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok,       Ok),
        Row("GET /r/{token}", "/r/{linkA}",                                               Verify,   MessageA,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify,   Verify),
        Row("POST /recipient/passkeys/verify/options", "/recipient/passkeys/verify/options", BadRequest, Ok, Ok,     BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest),
        Row("POST /recipient/passkeys/verify", "/recipient/passkeys/verify", EmptyJson, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest),

        // The API: API keys only (cookies are nobody there); messages for Sender keys, the audit for Auditor keys.
        Row("GET /api/v1/me", "/api/v1/me",                                             Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Ok, Unauthorized),
        Row("POST /api/v1/messages/", "/api/v1/messages", NewMessage,                   Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Created, Forbidden, Unauthorized),
        Row("GET /api/v1/messages/", "/api/v1/messages",                                Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Forbidden, Unauthorized),
        Row("GET /api/v1/messages/{id:guid}", "/api/v1/messages/{messageA}",            Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Forbidden, Unauthorized),
        Row("GET /api/v1/messages/{id:guid}", "/api/v1/messages/{messageB}",            Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Absent, Forbidden, Unauthorized),
        Row("POST /api/v1/messages/{id:guid}/revoke", "/api/v1/messages/{messageB}/revoke", Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Absent, Forbidden, Unauthorized),
        Row("POST /api/v1/messages/{id:guid}/revoke", "/api/v1/messages/{revocableA}/revoke", Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Forbidden, Unauthorized),
        Row("POST /api/v1/messages/{id:guid}/threads/{recipientId:guid}/replies", "/api/v1/messages/{messageA}/threads/{threadA}/replies", ReplyForm,
                                                                                        Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Created, Forbidden, Unauthorized),
        Row("POST /api/v1/messages/{id:guid}/threads/{recipientId:guid}/replies", "/api/v1/messages/{messageB}/threads/{threadB}/replies", ReplyForm,
                                                                                        Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Absent, Forbidden, Unauthorized),
        Row("GET /api/v1/attachments/{id:guid}", "/api/v1/attachments/{fileA}",         Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Forbidden, Unauthorized),
        Row("GET /api/v1/attachments/{id:guid}", "/api/v1/attachments/{fileB}",         Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Absent, Forbidden, Unauthorized),
        Row("GET /api/v1/attachments/{id:guid}", "/api/v1/attachments/{replyFileA}",    Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Ok, Forbidden, Unauthorized),
        Row("GET /api/v1/audit/verify", "/api/v1/audit/verify",                         Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Forbidden, Ok, Unauthorized),
        Row("GET /api/v1/audit/events", "/api/v1/audit/events",                         Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Forbidden, Ok, Unauthorized),
        Row("GET /api/v1/audit/checkpoints", "/api/v1/audit/checkpoints",               Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized, Forbidden, Ok, Unauthorized),
        // The evidence downloads also take the staff cookie, so the auditor's page can link to them.
        Row("GET /api/v1/audit/export", "/api/v1/audit/export",                         Unauthorized, Unauthorized, Unauthorized, Forbidden, Forbidden, Ok, Ok, Forbidden, Ok, Unauthorized),
        Row("GET /api/v1/audit/report", "/api/v1/audit/report",                         Unauthorized, Unauthorized, Unauthorized, Forbidden, Forbidden, Ok, Ok, Forbidden, Ok, Unauthorized),

        // Public by design: health probes, the API's description, the status pages (404 when opened directly).
        Row("* /health/live", "/health/live", Everyone200),
        Row("* /health/ready", "/health/ready", Everyone200),
        Row("GET /openapi/{documentName}.json", "/openapi/v1.json", Everyone200),
        Row("GET,HEAD,POST,PUT,PATCH,DELETE /status/{code:int}", "/status/404", [Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent]),
        Row("GET,POST /not-found", "/not-found", Everyone200),
        Row("GET /branding/theme.css", "/branding/theme.css", Everyone200),
        Row("GET /branding/logo", "/branding/logo", [Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent]),
        // The language switch sets the caller's own cookie and goes back (here, without a return address, to the start).
        Row("GET /language/{language}", "/language/da", [Home, Home, Home, Home, Home, Home, Home, Home, Home, Home]),
        Row("GET,HEAD /{**path:file}", "/no-such-file.txt", [Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent, Absent]),

        // Blazor's own: anyone may open a circuit (its components check the caller themselves, as the pages do).
        Row("* /_blazor/negotiate", "POST /_blazor/negotiate?negotiateVersion=1", Everyone200),
        Row("* /_blazor", "/_blazor", [BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest]),
        Row("* /_blazor/disconnect/", "POST /_blazor/disconnect/", [BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest]),
        Row("* /_blazor/initializers/", "/_blazor/initializers/", Everyone200),
        Row("GET /_framework/opaque-redirect", "/_framework/opaque-redirect", [BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest, BadRequest]),

        // Ending a session: anyone may; they run after every other row, as they end the caller's session.
        Row("POST /Account/Logout", "/Account/Logout", [Login, Login, Login, Login, Login, Login, Login, Login, Login, Login]),
        Row("POST /recipient/sign-out", "/recipient/sign-out", [SignedOut, SignedOut, SignedOut, SignedOut, SignedOut, SignedOut, SignedOut, SignedOut, SignedOut, SignedOut]),
    ];

    /// <summary>Sent last, because they end the caller's session.</summary>
    public static IReadOnlySet<string> EndSessions { get; } = new HashSet<string>(StringComparer.Ordinal) { "POST /recipient/sign-out", "POST /Account/Logout" };

    private static MatrixRow Row(string endpoint, string path, params Outcome[] expected) => Row(endpoint, path, null, expected);

    private static MatrixRow Row(string endpoint, string path, Func<HttpContent>? body, params Outcome[] expected)
    {
        if (expected.Length != Enum.GetValues<Caller>().Length)
        {
            throw new InvalidOperationException($"The row for {endpoint} ({path}) has {expected.Length} outcomes, not one per caller.");
        }

        return new MatrixRow(endpoint, path, body, expected);
    }

    private static HttpContent NewMessage() =>
        JsonContent.Create(new { to = new[] { $"matrix-{Guid.NewGuid():N}@example.org" }, subject = "Matrix", body = "Matrix body" });

    private static HttpContent ReplyForm() =>
        new MultipartFormDataContent { { new StringContent("Matrix reply") { Headers = { ContentType = null } }, "body" } };

    private static HttpContent EmptyJson() => JsonContent.Create(new { });
}

/// <summary>
/// One endpoint, the request to send it, and what each caller (in <see cref="Caller"/> order) must get. The request
/// is the endpoint's first method unless <see cref="Request"/> names one (<c>POST /path</c>); <c>*</c> (any) means GET.
/// </summary>
internal sealed record MatrixRow(string Endpoint, string Request, Func<HttpContent>? Body, IReadOnlyList<Outcome> Expected)
{
    public HttpMethod Method => Request.Contains(' ', StringComparison.Ordinal)
        ? new(Request.Split(' ')[0])
        : Endpoint.Split(' ')[0].Split(',')[0] is var method && method != "*" ? new(method) : HttpMethod.Get;

    public string Path => Request.Split(' ')[^1];
}

/// <summary>What a caller gets: a status, or a redirect to a page of the portal (Log in, verification, access denied).</summary>
internal sealed record Outcome(HttpStatusCode Status, string? RedirectTo = null)
{
    public static readonly Outcome Ok = new(HttpStatusCode.OK);
    public static readonly Outcome Created = new(HttpStatusCode.Created);
    public static readonly Outcome BadRequest = new(HttpStatusCode.BadRequest);
    public static readonly Outcome Unauthorized = new(HttpStatusCode.Unauthorized);
    public static readonly Outcome Forbidden = new(HttpStatusCode.Forbidden);

    /// <summary>404, as if the id did not exist.</summary>
    public static readonly Outcome Absent = new(HttpStatusCode.NotFound);

    /// <summary>To the staff sign-in page.</summary>
    public static readonly Outcome Login = new(HttpStatusCode.Redirect, "/Account/Login");

    /// <summary>To the recipient's verification page.</summary>
    public static readonly Outcome Verify = new(HttpStatusCode.Redirect, "/verify");

    /// <summary>A signed-in staff member without the role: to the access-denied page.</summary>
    public static readonly Outcome Denied = new(HttpStatusCode.Redirect, "/Account/AccessDenied");

    public static readonly Outcome SignedOut = new(HttpStatusCode.Redirect, "/signed-out");

    public static readonly Outcome BrandingPage = new(HttpStatusCode.Redirect, "/admin/branding");

    /// <summary>To the portal's start page.</summary>
    public static readonly Outcome Home = new(HttpStatusCode.Redirect, "/");

    /// <summary>A verified recipient is sent on to the inbox.</summary>
    public static readonly Outcome Inbox = new(HttpStatusCode.Redirect, "/inbox");

    /// <summary>To message A's page (a placeholder, filled from the seeded world).</summary>
    public static readonly Outcome MessageA = new(HttpStatusCode.Redirect, "/m/{messageA}");

    public static Outcome Of(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther && response.Headers.Location is { } location
            ? new(HttpStatusCode.Redirect, (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0]))
            : new(response.StatusCode);

    public override string ToString() => RedirectTo is null ? $"{(int)Status}" : $"→{RedirectTo}";
}
