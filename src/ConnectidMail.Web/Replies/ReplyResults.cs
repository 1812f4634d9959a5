using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Web.Messaging;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectidMail.Web.Replies;

/// <summary>The HTTP answers of the reply endpoints: problem details for every refusal.</summary>
internal static class ReplyResults
{
    /// <summary>Checks the antiforgery header (the form itself is a streamed upload and is never read for it); null when valid.</summary>
    public static async Task<IResult?> CheckAntiforgeryAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!http.Request.Headers.ContainsKey(MessagingWebExtensions.AntiforgeryHeader))
        {
            // Without the header the antiforgery check would read (and buffer) the whole form.
            return TypedResults.Problem("The antiforgery token header is missing.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request.");
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return TypedResults.Problem("The form has expired; reload the page and send again.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request.");
        }
    }

    public static ProblemHttpResult SessionEnded() => TypedResults.Problem(
        "Your session has ended. Open the link in the notification mail to sign in again; nothing was sent.",
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Session ended.");

    /// <summary>Receives and stores the reply; refusals become problem details, and nothing of a refused reply is kept.</summary>
    public static async Task<IResult> SendAsync(HttpContext http, ReplySubmission submission, Func<Task<ReplyDraft>> begin)
    {
        try
        {
            var reply = await submission.SendAsync(http.Request, begin, http.RequestAborted);
            return TypedResults.Created((string?)null, new { reply.Id });
        }
        catch (ReplyRefusedException e)
        {
            http.Response.Headers.Connection = "close";
            return e.Reason switch
            {
                ReplyRefusal.NotFound => MessageResults.NotFound(),
                ReplyRefusal.Revoked or ReplyRefusal.Expired =>
                    TypedResults.Problem(e.Message, statusCode: StatusCodes.Status410Gone, title: "No longer available."),
                ReplyRefusal.Locked => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status403Forbidden, title: "Locked."),
                _ => SessionEnded(),
            };
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
        catch (UnsupportedMediaTypeException)
        {
            return TypedResults.Problem("Send the reply as multipart/form-data.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            http.Response.Headers.Connection = "close";
            return TypedResults.Problem(
                "The request is larger than the policy allows for one reply.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large.");
        }
    }
}
