using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ConnectidMail.Audit;

namespace ConnectidMail.Reports;

/// <summary>
/// Turns an export into the evidence report in one pass over its events: each event goes into the JSON evidence
/// (attached to the PDF), a row of the event table, and each message's recipients with their timelines and the consent
/// records, all from the hashed events themselves, so everything the report shows can be checked against the attached
/// JSON. Nothing grows with the trail but the timelines and consents; the JSON and the pages are kept deflated.
/// </summary>
public static class EvidenceReportBuilder
{
    public const string EvidenceFileName = "evidence.json";

    public static async Task WriteAsync(
        AuditExportHeader header, IAsyncEnumerable<AuditEvent> events, Stream destination, X509Certificate2? signingCertificate = null, CancellationToken cancellationToken = default)
    {
        SpillFile.ThrowIfNotSpliceable(destination);
        using var spill = new SpillFile();
        using var pdf = new EvidencePdf(spill);

        // What the pass collects (timelines, consents) lives only in that call, so it can be collected before the save:
        // a portal's later reports peak lower (measured in docs/benchmarks.md).
        await LayOutAsync(header, events, spill, pdf, signingCertificate, cancellationToken);
        await pdf.SaveAsync(destination);
    }

    /// <summary>The one pass over the events (evidence, table, timelines, consents), then the pages before the table.</summary>
    private static async Task LayOutAsync(
        AuditExportHeader header, IAsyncEnumerable<AuditEvent> events, SpillFile spill, EvidencePdf pdf, X509Certificate2? signingCertificate, CancellationToken cancellationToken)
    {
        var collector = new Collector();
        EmbeddedEvidence evidence;
        await using (var sink = new EvidenceSink(spill))
        {
            // The event table is laid out on a thread of its own while the events are read, hashed into the JSON and
            // collected: the two halves of the pass take about as long as each other.
            var rows = Channel.CreateBounded<EventRow>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
            var layout = Task.Run(() => LayOutTableAsync(rows, pdf, cancellationToken), cancellationToken);
            try
            {
                await AuditExportJson.WriteAsync(header, collector.Watch(events, rows.Writer, cancellationToken), sink, cancellationToken);
                rows.Writer.Complete();
            }
            catch
            {
                rows.Writer.TryComplete();
                try
                {
                    await layout; // when the layout failed, its error is the cause, and is thrown here
                }
                catch (OperationCanceledException)
                {
                    // The layout stopped for the cancellation; the reading side's error is the one to report.
                }

                throw;
            }

            await layout;
            evidence = sink.Finish(EvidenceFileName);
        }

        var signingKey = header.Keys.Where(k => k.RetiredAt is null).MaxBy(k => k.CreatedAt) ?? header.Keys.MaxBy(k => k.CreatedAt);
        var report = new EvidenceReport
        {
            OrganisationName = header.Organisation,
            Scope = header.Scope.Describe(),
            GeneratedAt = header.GeneratedAt,
            GeneratedBy = header.GeneratedBy,
            Summary = new EvidenceSummary
            {
                EventCount = collector.Count,
                FirstSequence = collector.FirstSequence,
                LastSequence = collector.LastSequence,
                HeadSequence = header.HeadSequence,
                HeadHash = header.HeadHash,
                ChainValid = header.Verification.Valid,
                FirstInvalidSequence = header.Verification.FirstInvalidSequence,
                CheckpointStatus = CheckpointStatus(header),
                SigningKey = signingKey is null ? null : new SigningKeyInfo(signingKey.KeyId, signingKey.Fingerprint, Pem(signingKey.PublicKey)),
            },
            Messages = collector.Timelines(),
            Consents = collector.Consents,
            Evidence = evidence,
        };
        pdf.Complete(report, signingCertificate);
    }

    private static async Task LayOutTableAsync(Channel<EventRow> rows, EvidencePdf pdf, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var row in rows.Reader.ReadAllAsync(cancellationToken))
            {
                pdf.AddEvent(row);
            }
        }
        catch (Exception e)
        {
            // Stops the reading side, which would otherwise wait for room in the channel.
            rows.Writer.TryComplete(e);
            throw;
        }
    }

    /// <summary>Whether the checkpoints' signatures verify with the keys the export carries, in one line.</summary>
    public static string CheckpointStatus(AuditExportHeader header)
    {
        if (header.Checkpoints.Count == 0)
        {
            return "No signed checkpoint covers these events yet.";
        }

        var invalid = header.Checkpoints.Where(c => AuditCheckpointSignature.FindProblem(c, header.Keys) is not null).ToList();
        var latest = header.Checkpoints.MaxBy(c => c.Sequence)!;
        var summary = $"{header.Checkpoints.Count} checkpoint(s); the latest at sequence {latest.Sequence} ({AuditHashing.FormatTime(latest.Time)}) signed by key {latest.KeyId}";
        return invalid.Count == 0
            ? $"{summary}: every signature is valid."
            : $"{summary}: {invalid.Count} SIGNATURE(S) DO NOT VERIFY (sequence {string.Join(", ", invalid.Select(c => c.Sequence))}).";
    }

    private static string Pem(string spkiBase64) => PemEncoding.WriteString("PUBLIC KEY", Convert.FromBase64String(spkiBase64));

    private sealed class Collector
    {
        private readonly Dictionary<Guid, MessageStory> messages = [];
        private readonly Dictionary<string, List<RecipientStory>> recipientsByAddress = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> texts = new(StringComparer.Ordinal);

        public long Count { get; private set; }

        public long? FirstSequence { get; private set; }

        public long? LastSequence { get; private set; }

        public List<ConsentEntry> Consents { get; } = [];

        public async IAsyncEnumerable<AuditEvent> Watch(IAsyncEnumerable<AuditEvent> events, ChannelWriter<EventRow> rows, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                await rows.WriteAsync(Add(e), cancellationToken);
                yield return e;
            }
        }

        public List<MessageTimeline> Timelines() => [.. messages.Values.Select(m => new MessageTimeline(
            m.Id.ToString("D"),
            m.Sender ?? "not in this report's scope",
            m.SentAt,
            [.. m.Recipients.Values.OrderBy(r => r.Order).Select(r => new RecipientTimeline(r.Email, r.Entries))]))];

        /// <summary>Collects what the event adds to the timelines and consents; returns its row of the event table.</summary>
        private EventRow Add(AuditEvent e)
        {
            using var document = e.Detail is null ? null : JsonDocument.Parse(e.Detail);
            var detail = document?.RootElement ?? default;
            Count++;
            FirstSequence ??= e.Sequence;
            LastSequence = e.Sequence;
            if (e.MessageId is { } messageId)
            {
                AddToMessage(Story(messageId), e, detail);
            }
            else if (e.ActorKind == AuditActorKind.Recipient && recipientsByAddress.TryGetValue(e.ActorDisplay.Trim(), out var recipients))
            {
                // Address events (codes, verification, consent, passkeys) belong to every message that address had by then.
                foreach (var recipient in recipients.Where(r => r.Message.SentAt is null || r.Message.SentAt <= e.At))
                {
                    if (TimelineStep(e, detail) is { } step)
                    {
                        recipient.Entries.Add(step);
                    }
                }
            }

            if (e.Action is AuditActions.ConsentGiven or AuditActions.ConsentWithdrawn)
            {
                var withdrawn = e.Action == AuditActions.ConsentWithdrawn;
                Consents.Add(new ConsentEntry(
                    Shared(e.ActorDisplay),
                    Shared(withdrawn ? string.Join(", ", Strings(detail, "versions")) : String(detail, "version") ?? ""),
                    Shared(withdrawn ? "" : String(detail, "textHash") ?? ""),
                    e.At,
                    Shared(e.IpAddress),
                    withdrawn));
            }

            return new EventRow(e.Sequence, e.At, $"{AuditHashing.KindName(e.ActorKind)} {e.ActorDisplay}", e.Action, Details(e), e.Hash);
        }

        private MessageStory Story(Guid id)
        {
            if (!messages.TryGetValue(id, out var story))
            {
                story = new MessageStory(id);
                messages[id] = story;
            }

            return story;
        }

        private void AddToMessage(MessageStory message, AuditEvent e, JsonElement detail)
        {
            switch (e.Action)
            {
                case AuditActions.MessageCreated:
                    message.Sender = Shared(e.ActorDisplay);
                    message.SentAt = e.At;
                    return;
                case AuditActions.MessageRevoked or AuditActions.MessageExpired:
                    foreach (var everyone in message.Recipients.Values)
                    {
                        everyone.Entries.Add(TimelineStep(e, detail)!);
                    }

                    return;
            }

            if (e.RecipientId is not { } recipientId)
            {
                return;
            }

            if (!message.Recipients.TryGetValue(recipientId, out var recipient))
            {
                var email = e.Action == AuditActions.MessageSent ? String(detail, "to") : null;
                recipient = new RecipientStory(message, Shared(email ?? (e.ActorKind == AuditActorKind.Recipient ? e.ActorDisplay : $"recipient {recipientId:D}")), message.Recipients.Count);
                message.Recipients[recipientId] = recipient;
                if (!recipientsByAddress.TryGetValue(recipient.Email, out var list))
                {
                    list = [];
                    recipientsByAddress[recipient.Email] = list;
                }

                list.Add(recipient);
            }

            if (TimelineStep(e, detail) is { } step)
            {
                recipient.Entries.Add(step);
            }
        }

        private TimelineEntry? TimelineStep(AuditEvent e, JsonElement detail) => e.Action switch
        {
            AuditActions.MessageSent => new(e.At, "Sent"),
            AuditActions.NotificationSent => new(e.At, "Notified", "notification mail handed to the mail server"),
            AuditActions.NotificationFailed => new(e.At, "Notification failed"),
            AuditActions.CodeSent => new(e.At, "Code sent", Bool(detail, "resent") ? "the still-valid code re-sent" : null),
            AuditActions.CodeFailed => new(e.At, "Wrong code", Number(detail, "attempt") is { } attempt ? Shared($"try {attempt} of {Number(detail, "of")}") : null),
            AuditActions.CodeLocked => new(e.At, "Code locked"),
            AuditActions.RecipientVerified => new(e.At, "Verified", String(detail, "method") switch
            {
                "code" => "one-time code",
                "passkey" => "passkey",
                var other => Shared(other),
            }),
            AuditActions.ConsentGiven => new(e.At, "Consent given", Shared($"text version {String(detail, "version")}")),
            AuditActions.ConsentWithdrawn => new(e.At, "Consent withdrawn"),
            AuditActions.PasskeyAdded => new(e.At, "Passkey added"),
            AuditActions.PasskeyRemoved => new(e.At, "Passkey removed"),
            AuditActions.PasskeyFailed => new(e.At, "Passkey failed"),
            AuditActions.MessageOpened => new(e.At, "Opened", String(detail, "verifiedBy") is { } by ? Shared($"verified by {by}") : null),
            AuditActions.AttachmentDownloaded => new(e.At, "Downloaded", $"attachment {e.AttachmentId:D}, {Number(detail, "size")} bytes"),
            AuditActions.ReplySent => new(e.At, "Replied", Number(detail, "files") is { } files ? Shared($"{files} file(s)") : null),
            AuditActions.MessageRevoked => new(e.At, "Revoked", Shared($"by {e.ActorDisplay}")),
            AuditActions.MessageExpired => new(e.At, "Expired", "content shredded"),
            _ => null,
        };

        /// <summary>
        /// One copy of a text the timelines and consents repeat across thousands of messages (senders, addresses,
        /// consent versions and hashes, IPs, "verified by code"): they are held until the front pages are laid out.
        /// Texts unique to an event (an attachment's id) are not worth a place here.
        /// </summary>
        [return: NotNullIfNotNull(nameof(text))]
        private string? Shared(string? text)
        {
            if (text is null)
            {
                return null;
            }

            if (texts.TryGetValue(text, out var shared))
            {
                return shared;
            }

            texts.Add(text);
            return text;
        }

        /// <summary>The event's other fields in one line: ids shortened, origin and detail (the attached JSON holds them in full).</summary>
        private static string Details(AuditEvent e)
        {
            var text = new StringBuilder();
            Append(text, "message", Short(e.MessageId?.ToString("N")));
            Append(text, "recipient", Short(e.RecipientId?.ToString("N")));
            Append(text, "attachment", Short(e.AttachmentId?.ToString("N")));
            Append(text, "subject", Short(e.SubjectId));
            Append(text, "ip", e.IpAddress);
            Append(text, "detail", e.Detail);
            return text.ToString();
        }

        private static string? Short(string? id) => id is { Length: > 12 } ? id[..8] + "…" : id;

        private static void Append(StringBuilder text, string name, string? value)
        {
            if (value is not null)
            {
                text.Append(text.Length > 0 ? " · " : "").Append(name).Append(' ').Append(value);
            }
        }

        private static string? String(JsonElement detail, string name) =>
            detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static bool Bool(JsonElement detail, string name) =>
            detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

        private static string? Number(JsonElement detail, string name) =>
            detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetDouble().ToString(CultureInfo.InvariantCulture)
                : null;

        private static IEnumerable<string> Strings(JsonElement detail, string name) =>
            detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
                : [];
    }

    private sealed class MessageStory(Guid id)
    {
        public Guid Id { get; } = id;

        public string? Sender { get; set; }

        public DateTimeOffset? SentAt { get; set; }

        public Dictionary<Guid, RecipientStory> Recipients { get; } = [];
    }

    private sealed class RecipientStory(MessageStory message, string email, int order)
    {
        public MessageStory Message { get; } = message;

        public string Email { get; } = email;

        public int Order { get; } = order;

        public List<TimelineEntry> Entries { get; } = [];
    }
}
