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

    public static string CanonicalForm(AuditEvent e) => CanonicalJson.Canonicalize(new JsonObject
    {
        ["id"] = e.Id.ToString("D"),
        ["sequence"] = e.Sequence,
        ["at"] = FormatTime(e.At),
        ["actor"] = new JsonObject
        {
            ["kind"] = KindName(e.ActorKind),
            ["id"] = e.ActorId,
            ["display"] = e.ActorDisplay,
        },
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

    public static string KindName(AuditActorKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());
}
