using ConnectidMail.Replies;
using ConnectidMail.Staff;
using ConnectidMail.Web.Audit;
using ConnectidMail.Web.Messaging;
using ConnectidMail.Web.Recipient;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace ConnectidMail.Web.Replies;

public static class RepliesWebExtensions
{
    /// <summary>Replies in the portal: the core feature plus the upload reading of the web side.</summary>
    public static WebApplicationBuilder AddReplyEndpoints(this WebApplicationBuilder builder)
    {
        builder.AddReplies();
        builder.Services.AddScoped<ReplySubmission>();
        return builder;
    }

    /// <summary>
    /// The reply uploads of the portal's pages (js/reply.js posts them, with the antiforgery token in a header): the
    /// recipient's reply on their message page and the sender's answer in one recipient's thread. Files of replies are
    /// downloaded through the same endpoints as a message's files.
    /// </summary>
    public static WebApplication MapReplyEndpoints(this WebApplication app)
    {
        // No authorization policy: its challenge would redirect the upload to the verification page; an ended session
        // gets problem details the page's script can show instead.
        app.MapPost("/m/{id:guid}/replies", async (Guid id, HttpContext http, ReplySubmission submission, ReplyService replies, IAntiforgery antiforgery) =>
            {
                if (RecipientAuthentication.ValidatedSession(http) is not { } session)
                {
                    http.Response.Headers.Connection = "close";
                    return ReplyResults.SessionEnded();
                }

                if (await ReplyResults.CheckAntiforgeryAsync(http, antiforgery) is { } refused)
                {
                    return refused;
                }

                return await ReplyResults.SendAsync(http, submission, () => replies.BeginRecipientReplyAsync(id, session, http.RequestAborted));
            })
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapPost("/messages/{id:guid}/threads/{recipientId:guid}/replies", async (
                Guid id, Guid recipientId, HttpContext http, ReplySubmission submission, ReplyService replies, IAntiforgery antiforgery) =>
            {
                if (await ReplyResults.CheckAntiforgeryAsync(http, antiforgery) is { } refused)
                {
                    return refused;
                }

                var sender = MessageResults.Sender(http.User).UserId;
                return await ReplyResults.SendAsync(http, submission, () => replies.BeginSenderAnswerAsync(id, recipientId, sender, http.ToAuditActor(), http.RequestAborted));
            })
            .RequireAuthorization(new AuthorizeAttribute { Roles = StaffRoles.Sender })
            .ExcludeFromDescription();
        return app;
    }
}
