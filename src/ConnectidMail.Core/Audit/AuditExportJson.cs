using System.Text.Encodings.Web;
using System.Text.Json;

namespace ConnectidMail.Audit;

/// <summary>
/// Writes an export as JSON, streaming: the header first, then <c>events</c> one at a time (flushed every few hundred),
/// so no export is ever held whole in memory. Each event carries every field its hash covers, its previous hash and its
/// hash, so anyone can recompute it (<see cref="AuditHashing"/>); <c>detail</c> is the stored JSON value itself.
/// </summary>
public static class AuditExportJson
{
    private const int FlushEvery = 500;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // Plain UTF-8 for addresses and names; JSON string escaping stays correct.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(AuditExportHeader header, IAsyncEnumerable<AuditEvent> events, Stream output, CancellationToken cancellationToken = default)
    {
        await using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteString("format", AuditExportHeader.Format);
        json.WriteString("organisation", header.Organisation);
        json.WriteString("generatedAt", AuditHashing.FormatTime(header.GeneratedAt));
        json.WriteString("generatedBy", header.GeneratedBy);
        json.WriteStartObject("scope");
        json.WriteString("description", header.Scope.Describe());
        WriteNullable(json, "messageId", header.Scope.MessageId?.ToString("D"));
        WriteNullable(json, "from", header.Scope.From is { } from ? AuditHashing.FormatTime(from) : null);
        WriteNullable(json, "to", header.Scope.To is { } to ? AuditHashing.FormatTime(to) : null);
        json.WriteBoolean("wholeTrail", header.Scope.IsWholeTrail);
        json.WriteEndObject();
        json.WriteStartObject("head");
        json.WriteNumber("sequence", header.HeadSequence);
        json.WriteString("hash", header.HeadHash);
        json.WriteEndObject();
        json.WriteStartObject("verification");
        json.WriteBoolean("valid", header.Verification.Valid);
        json.WriteNumber("eventCount", header.Verification.EventCount);
        WriteNullable(json, "headHash", header.Verification.HeadHash);
        if (header.Verification.FirstInvalidSequence is { } invalid)
        {
            json.WriteNumber("firstInvalidSequence", invalid);
        }
        else
        {
            json.WriteNull("firstInvalidSequence");
        }

        WriteNullable(json, "problem", header.Verification.Problem);
        json.WriteEndObject();
        json.WriteStartArray("checkpoints");
        foreach (var checkpoint in header.Checkpoints)
        {
            json.WriteStartObject();
            json.WriteNumber("sequence", checkpoint.Sequence);
            json.WriteString("headHash", checkpoint.HeadHash);
            json.WriteString("time", AuditHashing.FormatTime(checkpoint.Time));
            json.WriteString("keyId", checkpoint.KeyId);
            json.WriteString("signature", checkpoint.Signature);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("keys");
        foreach (var key in header.Keys)
        {
            json.WriteStartObject();
            json.WriteString("keyId", key.KeyId);
            json.WriteString("publicKey", key.PublicKey);
            json.WriteString("fingerprint", key.Fingerprint);
            json.WriteString("createdAt", AuditHashing.FormatTime(key.CreatedAt));
            WriteNullable(json, "retiredAt", key.RetiredAt is { } retired ? AuditHashing.FormatTime(retired) : null);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("eventCount", header.EventCount);
        json.WriteStartArray("events");
        var written = 0;
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            WriteEvent(json, e);
            if (++written % FlushEvery == 0)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    private static void WriteEvent(Utf8JsonWriter json, AuditEvent e)
    {
        json.WriteStartObject();
        json.WriteNumber("sequence", e.Sequence);
        json.WriteString("id", e.Id.ToString("D"));
        json.WriteString("at", AuditHashing.FormatTime(e.At));
        json.WriteStartObject("actor");
        json.WriteString("kind", AuditHashing.KindName(e.ActorKind));
        WriteNullable(json, "id", e.ActorId);
        json.WriteString("display", e.ActorDisplay);
        json.WriteEndObject();
        json.WriteString("action", e.Action);
        WriteNullable(json, "messageId", e.MessageId?.ToString("D"));
        WriteNullable(json, "recipientId", e.RecipientId?.ToString("D"));
        WriteNullable(json, "attachmentId", e.AttachmentId?.ToString("D"));
        WriteNullable(json, "subjectId", e.SubjectId);
        WriteNullable(json, "ipAddress", e.IpAddress);
        WriteNullable(json, "userAgent", e.UserAgent);
        json.WritePropertyName("detail");
        if (e.Detail is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteRawValue(e.Detail);
        }

        json.WriteString("previousHash", e.PreviousHash);
        json.WriteString("hash", e.Hash);
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
