using System.Security.Claims;
using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectidMail.Web.Messaging;

/// <summary>The HTTP answers shared by the REST API and the portal's own message endpoints.</summary>
internal static class MessageResults
{
    public static SenderIdentity Sender(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller has no user id."),
        user.FindFirstValue(ClaimTypes.Email) ?? user.FindFirstValue(ClaimTypes.Name) ?? "");

    /// <summary>Sends the message in the request; refusals become problem details.</summary>
    public static async Task<IResult> SendAsync(HttpContext http, MessageSubmission submission, Func<MessageView, IResult> created)
    {
        try
        {
            return created(await submission.SendAsync(http.Request, Sender(http.User), http.RequestAborted));
        }
        catch (MessageRejectedException e)
        {
            // Stop reading an upload that was refused part-way; the client learns why from the problem details.
            http.Response.Headers.Connection = "close";
            return TypedResults.Problem(new HttpValidationProblemDetails(e.Errors.ToDictionary())
            {
                Title = e.Message,
                Status = e.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
            });
        }
        catch (UnsupportedMediaTypeException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            http.Response.Headers.Connection = "close";
            return TypedResults.Problem(
                "The request is larger than the policy allows for one message.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large.");
        }
    }

    /// <summary>A decrypted attachment: always a download (never rendered), sandboxed, not cached, byte ranges served.</summary>
    public static async Task<IResult> DownloadAsync(HttpContext http, MessageService messages, ReplyService replies, Guid attachmentId)
    {
        AttachmentContent? file;
        try
        {
            // A message's own file, or a file of a reply in one of its threads.
            var sender = Sender(http.User).UserId;
            file = await messages.OpenAttachmentAsync(attachmentId, sender, http.RequestAborted)
                ?? await replies.OpenAttachmentForSenderAsync(attachmentId, sender, http.RequestAborted);
        }
        catch (MessageUnavailableException e)
        {
            return Gone(e);
        }

        if (file is null)
        {
            return NotFound();
        }

        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "sandbox";
        headers.CacheControl = "no-store";
        return TypedResults.File(file.Content, "application/octet-stream", file.Name, enableRangeProcessing: true);
    }

    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem("There is no such message or file, or it is not yours.", statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    public static ProblemHttpResult Gone(MessageUnavailableException e) =>
        TypedResults.Problem(e.Message, statusCode: StatusCodes.Status410Gone, title: "No longer available.");
}
