using System.Text;
using ConnectidMail.Messaging;
using ConnectidMail.Replies;
using ConnectidMail.Uploads;
using ConnectidMail.Web.Audit;
using ConnectidMail.Web.Messaging;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ConnectidMail.Web.Replies;

/// <summary>
/// Reads a reply from a <c>multipart/form-data</c> request: a <c>body</c> part with the text and any number of
/// <c>files</c> parts, section by section. Files go through the draft's file intake as they stream in; nothing is
/// buffered whole and nothing is kept when the reply is refused.
/// </summary>
internal sealed class ReplySubmission(ReplyService replies, UploadRejections uploadRejections, IOptions<PolicyOptions> policy)
{
    /// <summary>The largest body part: a reply at its character limit, every character taking four UTF-8 bytes.</summary>
    public const int MaxBodyPartBytes = ReplyService.MaxBodyLength * 4;

    public async Task<ReplyView> SendAsync(HttpRequest request, Func<Task<ReplyDraft>> begin, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed : null;
        if (mediaType?.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw new UnsupportedMediaTypeException();
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw MessageRejectedException.ForField("body", "The multipart request has no boundary.");
        }

        // Kestrel's limit follows the policy, so raising a policy limit is enough to accept larger files.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = policy.Value.MaxUploadRequestBytes;
        }

        try
        {
            await using var draft = await begin();
            var reader = new MultipartReader(boundary, request.Body);
            string? body = null;
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || string.IsNullOrEmpty(disposition.Name.Value))
                {
                    throw MessageRejectedException.ForField("body", "Every part needs a 'Content-Disposition: form-data' header with a name.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                switch (name)
                {
                    case "body" when body is null:
                        body = await ReadBodyAsync(section.Body, cancellationToken);
                        break;
                    case "body":
                        throw MessageRejectedException.ForField("body", "Send one 'body' part only.");
                    case "files":
                        var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                        await draft.AddFileAsync(fileName, section.Body, cancellationToken);
                        break;
                    default:
                        throw MessageRejectedException.ForField("body", $"Unknown part '{name}': send a 'body' part and any number of 'files' parts.");
                }
            }

            return await replies.SendAsync(draft, body, cancellationToken);
        }
        catch (MessageRejectedException e) when (e.Upload is not null)
        {
            // After the draft is gone: the audit event is the only thing the refused upload leaves.
            await uploadRejections.RecordAsync(request.HttpContext.ToAuditActor(), e.Upload, CancellationToken.None);
            throw;
        }
    }

    private static async Task<string> ReadBodyAsync(Stream section, CancellationToken cancellationToken)
    {
        try
        {
            await using var limited = new ReadLimitStream(section, MaxBodyPartBytes);
            using var text = new StreamReader(limited, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
            return await text.ReadToEndAsync(cancellationToken);
        }
        catch (ReadLimitExceededException)
        {
            throw MessageRejectedException.ForField("body", $"A reply may have at most {ReplyService.MaxBodyLength} characters.", tooLarge: true);
        }
        catch (DecoderFallbackException)
        {
            throw MessageRejectedException.ForField("body", "The reply is not valid UTF-8 text.");
        }
    }
}
