using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConnectidMail.Audit;

/// <summary>
/// The fixed canonical form of an event and its hash. The form is the RFC 8785 canonicalization of
/// <c>{id, sequence, at, actor: {kind, id, display}, action, messageId, recipientId, attachmentId, subjectId,
/// ipAddress, userAgent, detail, previousHash}</c> with every member present (null when empty), ids as lowercase
/// GUIDs, <c>at</c> as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c> and <c>detail</c> as a JSON value; the hash is the
/// lowercase hex SHA-256 of its UTF-8 bytes. Changing any of this breaks every stored chain.
/// </summary>
public static class AuditHashing
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>
    /// Written member by member in the sorted order RFC 8785 gives these names, rather than built as a JSON tree and
    /// canonicalized: verifying a trail hashes every event, and this is several times faster with the same bytes.
    /// </summary>
    public static string CanonicalForm(AuditEvent e)
    {
        var form = new StringBuilder(512);
        form.Append("{\"action\":");
        CanonicalJson.WriteString(e.Action, form);
        form.Append(",\"actor\":{\"display\":");
        CanonicalJson.WriteString(e.ActorDisplay, form);
        form.Append(",\"id\":");
        String(e.ActorId, form);
        form.Append(",\"kind\":");
        CanonicalJson.WriteString(KindName(e.ActorKind), form);
        form.Append("},\"at\":\"").Append(FormatTime(e.At));
        form.Append("\",\"attachmentId\":");
        Id(e.AttachmentId, form);
        form.Append(",\"detail\":").Append(e.Detail is null ? "null" : CanonicalJson.Canonicalize(e.Detail));
        form.Append(",\"id\":");
        Id(e.Id, form);
        form.Append(",\"ipAddress\":");
        String(e.IpAddress, form);
        form.Append(",\"messageId\":");
        Id(e.MessageId, form);
        form.Append(",\"previousHash\":");
        String(e.PreviousHash, form);
        form.Append(",\"recipientId\":");
        Id(e.RecipientId, form);
        form.Append(",\"sequence\":").Append(CanonicalJson.FormatNumber(e.Sequence));
        form.Append(",\"subjectId\":");
        String(e.SubjectId, form);
        form.Append(",\"userAgent\":");
        String(e.UserAgent, form);
        return form.Append('}').ToString();
    }

    /// <summary>
    /// The form's definition as first written: the event as a JSON tree, canonicalized. Nothing hashes with it;
    /// <see cref="CanonicalForm"/> writes the same bytes, and the unit tests and the hashing benchmark hold the two together.
    /// </summary>
    public static string DefiningForm(AuditEvent e) => CanonicalJson.Canonicalize(new JsonObject
    {
        ["id"] = e.Id.ToString("D"),
        ["sequence"] = e.Sequence,
        ["at"] = FormatTime(e.At),
        ["actor"] = new JsonObject { ["kind"] = JsonNamingPolicy.CamelCase.ConvertName(e.ActorKind.ToString()), ["id"] = e.ActorId, ["display"] = e.ActorDisplay },
        ["action"] = e.Action,
        ["messageId"] = e.MessageId?.ToString("D"),
        ["recipientId"] = e.RecipientId?.ToString("D"),
        ["attachmentId"] = e.AttachmentId?.ToString("D"),
        ["subjectId"] = e.SubjectId,
        ["ipAddress"] = e.IpAddress,
        ["userAgent"] = e.UserAgent,
        ["detail"] = e.Detail is null ? null : JsonNode.Parse(e.Detail),
        ["previousHash"] = e.PreviousHash,
    }.ToJsonString());

    public static string ComputeHash(AuditEvent e) => Sha256Hex(CanonicalForm(e));

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>The time as every database keeps it: UTC, whole microseconds.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    public static string KindName(AuditActorKind kind) =>
        KindNames.TryGetValue(kind, out var name) ? name : JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    private static readonly Dictionary<AuditActorKind, string> KindNames =
        Enum.GetValues<AuditActorKind>().ToDictionary(k => k, k => JsonNamingPolicy.CamelCase.ConvertName(k.ToString()));

    private static void String(string? value, StringBuilder form)
    {
        if (value is null)
        {
            form.Append("null");
        }
        else
        {
            CanonicalJson.WriteString(value, form);
        }
    }

    private static void Id(Guid? id, StringBuilder form)
    {
        if (id is { } value)
        {
            form.Append('"').Append(value.ToString("D")).Append('"');
        }
        else
        {
            form.Append("null");
        }
    }
}
