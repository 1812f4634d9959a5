using System.Globalization;
using System.Text.Encodings.Web;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Audit;

/// <summary>
/// The mail that anchors a checkpoint outside the server: the signed values, the key's id and fingerprint and its public
/// key, so the witness can later show what the trail looked like. No event, message content or secret is in it.
/// </summary>
public sealed class CheckpointWitnessMailComposer(IOptions<PortalOptions> portal)
{
    public const string Kind = "audit-checkpoint";

    public OutgoingMail Compose(string witness, AuditCheckpoint checkpoint, AuditSigningKey key)
    {
        var organisation = portal.Value.OrganisationName;
        var sequence = checkpoint.Sequence.ToString(CultureInfo.InvariantCulture);
        var subject = $"{organisation}: audit checkpoint {sequence}";
        (string Label, string Value)[] fields =
        [
            ("Sequence", sequence),
            ("Head hash", checkpoint.HeadHash),
            ("Time (UTC)", AuditHashing.FormatTime(checkpoint.Time)),
            ("Key id", checkpoint.KeyId),
            ("Key fingerprint (SHA-256)", key.Fingerprint),
            ("Signature (ECDSA P-256, SHA-256, r||s, base64)", checkpoint.Signature),
            ("Public key (SubjectPublicKeyInfo, base64)", key.PublicKey),
        ];
        var explanation = $"""
            {organisation}'s audit trail vouches for its first {sequence} events with this signed checkpoint. Keep this mail
            unchanged: if the trail is ever cut short or rewritten, this checkpoint shows it. Compare the key fingerprint with
            the one the portal's administrators published.
            """;
        var text = explanation + Environment.NewLine + Environment.NewLine
            + string.Join(Environment.NewLine, fields.Select(f => $"{f.Label}: {f.Value}")) + Environment.NewLine;
        var html = HtmlEncoder.Default;
        var rows = string.Concat(fields.Select(f =>
            $"<tr><th style=\"text-align: left; padding-right: 1em;\">{html.Encode(f.Label)}</th><td style=\"font-family: monospace; word-break: break-all;\">{html.Encode(f.Value)}</td></tr>"));
        var body = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{html.Encode(subject)}</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">
            <p>{html.Encode(explanation)}</p>
            <table>{rows}</table>
            </body></html>
            """;
        return new OutgoingMail(witness, subject, text, body, Kind);
    }
}
