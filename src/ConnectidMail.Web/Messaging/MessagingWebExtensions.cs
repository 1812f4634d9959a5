using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace ConnectidMail.Web.Messaging;

public static class MessagingWebExtensions
{
    /// <summary>Messages in the portal and the API: the core feature plus the request reading and JSON shape of the web side.</summary>
    public static WebApplicationBuilder AddMessagingEndpoints(this WebApplicationBuilder builder)
    {
        builder.AddMessaging();
        builder.Services.AddScoped<MessageSubmission>();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new UtcTimeJsonConverter()));
        return builder;
    }

    /// <summary>The portal's own (cookie-signed-in) endpoints for senders: the compose page's upload and downloads.</summary>
    public static WebApplication MapMessagingEndpoints(this WebApplication app)
    {
        var sender = new AuthorizeAttribute { Roles = StaffRoles.Sender };

        // The compose page's script posts the same JSON or multipart as the API, with the antiforgery token in a header.
        app.MapPost("/messages/send", async (HttpContext http, MessageSubmission submission, IAntiforgery antiforgery) =>
            {
                if (!http.Request.Headers.ContainsKey(AntiforgeryHeader))
                {
                    // Without the header the antiforgery check would read (and buffer) the whole form.
                    return TypedResults.Problem("The antiforgery token header is missing.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request.");
                }

                try
                {
                    await antiforgery.ValidateRequestAsync(http);
                }
                catch (AntiforgeryValidationException)
                {
                    return TypedResults.Problem("The form has expired; reload the page and send again.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request.");
                }

                return await MessageResults.SendAsync(http, submission, view => TypedResults.Created($"/messages/{view.Id}", new { view.Id }));
            })
            .RequireAuthorization(sender)
            .ExcludeFromDescription();

        app.MapGet("/attachments/{id:guid}", (Guid id, HttpContext http, MessageService messages, ReplyService replies) => MessageResults.DownloadAsync(http, messages, replies, id))
            .RequireAuthorization(sender)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The header the compose script sends the antiforgery request token in.</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";
}
