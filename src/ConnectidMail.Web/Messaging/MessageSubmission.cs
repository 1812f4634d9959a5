using System.Text.Json;
using ConnectidMail.Messaging;
using ConnectidMail.Uploads;
using ConnectidMail.Web.Audit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ConnectidMail.Web.Messaging;

/// <summary>
/// Reads a new message from a request, as <c>application/json</c> or as <c>multipart/form-data</c> with a
/// <c>message</c> part and <c>files</c> parts. Files are encrypted to blobs while they stream in; nothing is buffered
/// whole and nothing is kept when the message is refused.
/// </summary>
internal sealed class MessageSubmission(MessageService messages, UploadRejections uploadRejections, IOptions<PolicyOptions> policy, IOptions<JsonOptions> json)
{
    /// <summary>The largest message part (JSON): a body at its limit with every character escaped fits.</summary>
    public const int MaxMessagePartBytes = 2 * 1024 * 1024;

    public async Task<MessageView> SendAsync(HttpRequest request, SenderIdentity sender, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed : null;
        var isMultipart = mediaType?.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;
        var isJson = mediaType?.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) == true;
        if (!isJson && !isMultipart)
        {
            throw new UnsupportedMediaTypeException();
        }

        // Kestrel's limit follows the policy, so raising a policy limit is enough to accept larger files.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = isJson ? MaxMessagePartBytes : policy.Value.MaxUploadRequestBytes;
        }

        try
        {
            await using var draft = await messages.BeginAsync(cancellationToken);
            var message = isJson
                ? await ReadMessagePartAsync(request.Body, cancellationToken)
                : await ReadMultipartAsync(request, mediaType!, draft, cancellationToken);
            return await messages.SendAsync(draft, message, sender, cancellationToken);
        }
        catch (MessageRejectedException e) when (e.Upload is not null)
        {
            // After the draft is gone: the audit event is the only thing the refused upload leaves.
            await uploadRejections.RecordAsync(request.HttpContext.ToAuditActor(), e.Upload, CancellationToken.None);
            throw;
        }
    }

    private async Task<MessageRequest> ReadMultipartAsync(
        HttpRequest request, MediaTypeHeaderValue mediaType, MessageDraft draft, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw Rejected("body", "The multipart request has no boundary.");
        }

        var reader = new MultipartReader(boundary, request.Body);
        MessageRequest? message = null;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                || string.IsNullOrEmpty(disposition.Name.Value))
            {
                throw Rejected("body", "Every part needs a 'Content-Disposition: form-data' header with a name.");
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            switch (name)
            {
                case "message" when message is null:
                    message = await ReadMessagePartAsync(section.Body, cancellationToken);
                    break;
                case "message":
                    throw Rejected("message", "Send one 'message' part only.");
                case "files":
                    var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    await draft.AddFileAsync(fileName, section.Body, cancellationToken);
                    break;
                default:
                    throw Rejected("body", $"Unknown part '{name}': send a 'message' part and any number of 'files' parts.");
            }
        }

        return message ?? throw Rejected("message", "The 'message' part with the message as JSON is missing.");
    }

    private async Task<MessageRequest> ReadMessagePartAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            await using var limited = new ReadLimitStream(body, MaxMessagePartBytes);
            return await JsonSerializer.DeserializeAsync<MessageRequest>(limited, json.Value.SerializerOptions, cancellationToken)
                ?? throw Rejected("message", "The message JSON is null.");
        }
        catch (ReadLimitExceededException)
        {
            throw new MessageRejectedException("The message part is too large.", new Dictionary<string, string[]>
            {
                ["message"] = [$"The message JSON may be at most {ByteSize.Format(MaxMessagePartBytes)}."],
            }, tooLarge: true);
        }
        catch (JsonException)
        {
            // The parser's own text may quote the input, which is content: say only where it failed.
            throw Rejected("message", "The message is not valid JSON of the expected shape ({to: [email], subject, body, expiresAt?, requirePasskey?, accessCode?}).");
        }
    }

    private static MessageRejectedException Rejected(string field, string message) => MessageRejectedException.ForField(field, message);
}

/// <summary>Reads at most a given number of bytes from the inner stream (left open), then throws <see cref="ReadLimitExceededException"/>.</summary>
internal sealed class ReadLimitStream(Stream inner, long limit) : Stream
{
    private long read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int bytes)
    {
        read += bytes;
        return read > limit ? throw new ReadLimitExceededException() : bytes;
    }
}

internal sealed class ReadLimitExceededException() : Exception("The part is larger than allowed.");

/// <summary>The request is neither JSON nor multipart form data.</summary>
internal sealed class UnsupportedMediaTypeException() : Exception("Send application/json or multipart/form-data.");
