using System.Security.Claims;
using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Web.Api;
using ConnectidMail.Web.Audit;
using ConnectidMail.Web.Replies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;

namespace ConnectidMail.Web.Messaging;

/// <summary><c>/api/v1/messages</c> and <c>/api/v1/attachments</c>: sending and tracking messages with an API key (Sender role).</summary>
internal static class MessagesApi
{
    public static RouteGroupBuilder MapMessagesApi(this RouteGroupBuilder api)
    {
        var messages = api.MapGroup("/messages").RequireAuthorization(ApiExtensions.SenderPolicy).WithTags("Messages");

        messages.MapPost("/", (HttpContext http, MessageSubmission submission) =>
                MessageResults.SendAsync(http, submission, view => TypedResults.Created($"/api/v1/messages/{view.Id}", view)))
            .WithSummary("Send a message")
            .WithDescription("application/json {to, subject, body, expiresAt?, requirePasskey?, accessCode?}, or multipart/form-data with a 'message' part holding that JSON and any number of 'files' parts.")
            // The request body is described for OpenAPI only: Accepts() metadata would make routing refuse other content
            // types with a bare 415 before the handler (which the status code pages then turn into an HTML page), instead
            // of the handler's own 415 problem details.
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var message = await context.GetOrCreateSchemaAsync(typeof(MessageRequest), null, cancellationToken);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = message },
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "message" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["message"] = message,
                                    ["files"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                                },
                            },
                        },
                    },
                };
            })
            .Produces<MessageView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        messages.MapGet("/", async Task<Results<Ok<MessagePage>, ProblemHttpResult>> (ClaimsPrincipal user, MessageService service, CancellationToken cancellationToken, int page = 1, int pageSize = 50) =>
            {
                if (page < 1 || pageSize < 1 || pageSize > MessageService.MaxPageSize)
                {
                    return TypedResults.Problem(
                        $"page must be at least 1 and pageSize between 1 and {MessageService.MaxPageSize}.", statusCode: StatusCodes.Status400BadRequest, title: "Bad paging.");
                }

                return TypedResults.Ok(await service.ListAsync(MessageResults.Sender(user).UserId, page, pageSize, cancellationToken));
            })
            .WithSummary("The caller's sent messages, newest first");

        messages.MapGet("/{id:guid}", async Task<Results<Ok<MessageView>, ProblemHttpResult>> (Guid id, ClaimsPrincipal user, MessageService service, CancellationToken cancellationToken) =>
                await service.GetAsync(id, MessageResults.Sender(user).UserId, cancellationToken) is { } view ? TypedResults.Ok(view) : MessageResults.NotFound())
            .WithSummary("A message with its recipients' status");

        messages.MapPost("/{id:guid}/revoke", async Task<Results<Ok<MessageView>, ProblemHttpResult>> (Guid id, ClaimsPrincipal user, MessageService service, CancellationToken cancellationToken) =>
                await service.RevokeAsync(id, MessageResults.Sender(user).UserId, cancellationToken) is { } view ? TypedResults.Ok(view) : MessageResults.NotFound())
            .WithSummary("Withdraw a message: recipients can no longer read it and its files are no longer served");

        messages.MapPost("/{id:guid}/threads/{recipientId:guid}/replies", (Guid id, Guid recipientId, HttpContext http, ReplySubmission submission, ReplyService replies) =>
                ReplyResults.SendAsync(http, submission, () => replies.BeginSenderAnswerAsync(id, recipientId, MessageResults.Sender(http.User).UserId, http.ToAuditActor(), http.RequestAborted)))
            .WithSummary("Answer a recipient in their thread")
            .WithDescription("multipart/form-data with a 'body' part (the text) and any number of 'files' parts; recipientId is a recipient's id from GET /api/v1/messages/{id}. The recipient gets a mail with a new link.")
            .Produces(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/attachments/{id:guid}", (Guid id, HttpContext http, MessageService service, ReplyService replies) => MessageResults.DownloadAsync(http, service, replies, id))
            .RequireAuthorization(ApiExtensions.SenderPolicy)
            .WithTags("Messages")
            .WithSummary("Download an attachment (decrypted, streamed, Range supported)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        return messages;
    }
}
