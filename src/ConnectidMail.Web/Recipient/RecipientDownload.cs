using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Web.Messaging;

namespace ConnectidMail.Web.Recipient;

/// <summary><c>GET /m/files/{id}</c>: a file of a message the signed-in recipient may read, or of their own thread on it, decrypted as it streams.</summary>
internal static class RecipientDownload
{
    public static async Task<IResult> GetAsync(Guid id, HttpContext http, RecipientMessages messages, ReplyService replies)
    {
        var session = RecipientAuthentication.ValidatedSession(http);
        if (session is null)
        {
            return MessageResults.NotFound();
        }

        var result = await messages.OpenAttachmentAsync(id, session, http.RequestAborted);
        if (result.Outcome == RecipientOpenOutcome.NotFound)
        {
            result = await replies.OpenAttachmentForRecipientAsync(id, session, http.RequestAborted);
        }

        switch (result.Outcome)
        {
            case RecipientOpenOutcome.Opened:
                break;
            case RecipientOpenOutcome.Revoked:
                return TypedResults.Problem("The sender withdrew this message; its files are no longer served.", statusCode: StatusCodes.Status410Gone, title: "No longer available.");
            case RecipientOpenOutcome.Expired:
                return TypedResults.Problem("The message has expired; its files are no longer served.", statusCode: StatusCodes.Status410Gone, title: "No longer available.");
            case RecipientOpenOutcome.NeedsAccessCode or RecipientOpenOutcome.NeedsPasskey:
                return TypedResults.Problem("Open the message first to unlock its files.", statusCode: StatusCodes.Status403Forbidden, title: "Locked.");
            default:
                return MessageResults.NotFound();
        }

        var file = result.Content!;
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "sandbox";
        headers.CacheControl = "no-store";
        return TypedResults.File(file.Content, "application/octet-stream", file.Name, enableRangeProcessing: true);
    }
}
