using System.Globalization;
using System.Text.Json;

namespace ConnectidMail.Audit;

/// <summary>The outcome of an offline check: every problem found, in words that name the event or checkpoint, and a summary.</summary>
public sealed record AuditExportCheck(IReadOnlyList<string> Problems, string Summary)
{
    public bool Valid => Problems.Count == 0;
}

/// <summary>
/// Checks an export without the database. Always: each event's hash against its content, the link of every event to the
/// one before it where both are present, the order, the head and checkpoints against the events they name, each key's
/// fingerprint and each checkpoint's signature. For a whole-trail export also completeness: it starts at event 1 from
/// the genesis hash, has no gap and ends exactly at the head, and no checkpoint lies beyond its end (a cut tail).
/// A selection (a message, a time range) cannot prove more than that: its events are individually intact and those that
/// are consecutive are linked, but events between them are not in the file, so neither that the selection is complete
/// nor that its events sit in the signed chain can be checked from it alone; the portal's own verification at export
/// time is stated in the file, and a whole-trail export checked against the same head proves it.
/// </summary>
public static class AuditExportVerifier
{
    public static AuditExportCheck Verify(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
            || format.GetString() != AuditExportHeader.Format)
        {
            return new AuditExportCheck([$"This is not a ConnectidMail audit export (format {AuditExportHeader.Format})."], "Not checked.");
        }

        var wholeTrail = root.TryGetProperty("scope", out var scope) && scope.TryGetProperty("wholeTrail", out var whole) && whole.ValueKind == JsonValueKind.True;
        var headSequence = Long(root, "head", "sequence");
        var headHash = Text(root, "head", "hash");
        if (headSequence is null || headHash is null)
        {
            problems.Add("The export has no head (sequence and hash).");
        }

        var keys = CheckKeys(root, problems);
        var checkpoints = CheckCheckpoints(root, keys, headSequence, problems);
        var (count, first, last, links) = CheckEvents(root, wholeTrail, headSequence, headHash, checkpoints, problems);

        if (wholeTrail && headSequence is { } head && last != head)
        {
            problems.Add(last < head
                ? $"The export ends at event {last} but its head is event {head}: events {last + 1} to {head} are missing (a cut tail)."
                : $"The export goes on to event {last} beyond its head, event {head}.");
        }

        if (wholeTrail)
        {
            foreach (var checkpoint in checkpoints.Where(c => c.Sequence > last))
            {
                problems.Add($"Checkpoint {checkpoint.Sequence} covers events up to {checkpoint.Sequence}, but the export ends at event {last} (a cut tail).");
            }
        }

        if (Long(root, "eventCount") is { } stated && stated != count)
        {
            problems.Add($"The export says it holds {stated} events but has {count}.");
        }

        if (root.TryGetProperty("verification", out var verification) && verification.TryGetProperty("valid", out var valid) && valid.ValueKind == JsonValueKind.False)
        {
            var problem = Text(root, "verification", "problem") ?? "";
            problems.Add($"The portal found the chain invalid when it made this export, at sequence {Long(root, "verification", "firstInvalidSequence")}: {problem}".TrimEnd(' ', ':'));
        }

        if (problems.Count > 0)
        {
            return new AuditExportCheck(problems, $"INVALID: {problems.Count} problem(s) in {count} event(s).");
        }

        var range = count == 0 ? "no events" : $"{count} event(s), sequence {first} to {last}";
        var signed = checkpoints.Count == 0
            ? "no signed checkpoint in the file"
            : $"{checkpoints.Count} checkpoint signature(s) valid ({string.Join(", ", checkpoints.Select(c => $"sequence {c.Sequence} by key {c.KeyId}").Take(5))}{(checkpoints.Count > 5 ? ", …" : "")}); "
              + $"key fingerprint(s) {string.Join(", ", keys.Where(k => checkpoints.Any(c => c.KeyId == k.KeyId)).Select(k => k.Fingerprint).Distinct())}";
        var what = wholeTrail
            ? $"the whole trail from event 1 to the head, complete, every hash and link checks out"
            : $"a selection: every event's hash checks out and {links} link(s) between consecutive events check out; events between them are not in the file, so completeness and their place in the chain are not provable from it";
        return new AuditExportCheck([], $"VALID: {range}; {what}; head {headSequence} {headHash}; {signed}.");
    }

    private static List<AuditSigningKey> CheckKeys(JsonElement root, List<string> problems)
    {
        var keys = new List<AuditSigningKey>();
        if (!root.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return keys;
        }

        foreach (var item in array.EnumerateArray())
        {
            var key = new AuditSigningKey(
                Text(item, "keyId") ?? "", Text(item, "publicKey") ?? "", Text(item, "fingerprint") ?? "", Time(item, "createdAt") ?? default, Time(item, "retiredAt"));
            if (AuditSigningKeys.FindPublicKeyProblem(key) is { } problem)
            {
                problems.Add(problem);
            }

            keys.Add(key);
        }

        return keys;
    }

    private static List<AuditCheckpoint> CheckCheckpoints(JsonElement root, List<AuditSigningKey> keys, long? headSequence, List<string> problems)
    {
        var valid = new List<AuditCheckpoint>();
        if (!root.TryGetProperty("checkpoints", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return valid;
        }

        foreach (var item in array.EnumerateArray())
        {
            var sequence = Long(item, "sequence");
            var checkpoint = new AuditCheckpoint
            {
                Sequence = sequence ?? 0,
                HeadHash = Text(item, "headHash") ?? "",
                Time = Time(item, "time") ?? default,
                KeyId = Text(item, "keyId") ?? "",
                Signature = Text(item, "signature") ?? "",
            };
            if (AuditCheckpointSignature.FindProblem(checkpoint, keys) is { } problem)
            {
                problems.Add(problem);
            }
            else if (sequence > headSequence)
            {
                problems.Add($"Checkpoint {sequence} lies after the export's head, event {headSequence}.");
            }
            else
            {
                valid.Add(checkpoint);
            }
        }

        return valid;
    }

    private static (long Count, long First, long Last, long Links) CheckEvents(
        JsonElement root, bool wholeTrail, long? headSequence, string? headHash, List<AuditCheckpoint> checkpoints, List<string> problems)
    {
        if (!root.TryGetProperty("events", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            problems.Add("The export has no events array.");
            return (0, 0, 0, 0);
        }

        var anchors = checkpoints.GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.First().HeadHash);
        long count = 0, first = 0, last = 0, links = 0;
        var previousHash = AuditEvent.GenesisHash;
        foreach (var item in array.EnumerateArray())
        {
            count++;
            var e = ReadEvent(item, count, problems);
            if (e is null)
            {
                continue;
            }

            var sequence = e.Sequence;
            if (count == 1)
            {
                first = sequence;
            }

            if (AuditHashing.ComputeHash(e) != e.Hash)
            {
                problems.Add($"Event {sequence}: its hash does not match its content (the event was altered).");
            }

            if (count > 1 && sequence <= last)
            {
                problems.Add($"Event {sequence}: it is out of order (it comes after event {last}).");
            }
            else if (sequence == last + 1 && (count > 1 || wholeTrail))
            {
                links++;
                if (e.PreviousHash != previousHash)
                {
                    problems.Add(sequence == 1
                        ? "Event 1: its previous hash is not the genesis hash (64 zeros)."
                        : $"Event {sequence}: its previous hash does not match the hash of event {sequence - 1} (moved, replaced or inserted).");
                }
            }
            else if (wholeTrail)
            {
                problems.Add(sequence - last == 2
                    ? $"Event {last + 1} is missing: the event after {last} is {sequence}."
                    : $"Events {last + 1} to {sequence - 1} are missing: the event after {last} is {sequence}.");
            }

            if (anchors.TryGetValue(sequence, out var anchored) && anchored != e.Hash)
            {
                problems.Add($"Event {sequence}: its hash differs from the one checkpoint {sequence} signed (the trail up to it was rewritten).");
            }

            if (sequence == headSequence && headHash != e.Hash)
            {
                problems.Add($"Event {sequence}: its hash differs from the export's head hash.");
            }

            last = Math.Max(last, sequence);
            previousHash = e.Hash;
        }

        return (count, first, last, links);
    }

    private static AuditEvent? ReadEvent(JsonElement item, long position, List<string> problems)
    {
        var sequence = Long(item, "sequence");
        var name = sequence is { } s ? $"Event {s}" : $"The event at position {position}";
        try
        {
            var actor = item.GetProperty("actor");
            var kindName = Text(actor, "kind") ?? "";
            if (!Enum.GetValues<AuditActorKind>().Any(k => AuditHashing.KindName(k) == kindName))
            {
                problems.Add($"{name}: its actor kind '{kindName}' is unknown.");
                return null;
            }

            return new AuditEvent
            {
                Sequence = sequence ?? throw new FormatException("no sequence"),
                Id = Guid.Parse(Text(item, "id") ?? throw new FormatException("no id")),
                At = DateTimeOffset.ParseExact(Text(item, "at") ?? "", AuditHashing.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                ActorKind = Enum.GetValues<AuditActorKind>().First(k => AuditHashing.KindName(k) == kindName),
                ActorId = Text(actor, "id"),
                ActorDisplay = Text(actor, "display") ?? throw new FormatException("no actor display"),
                Action = Text(item, "action") ?? throw new FormatException("no action"),
                MessageId = Text(item, "messageId") is { } message ? Guid.Parse(message) : null,
                RecipientId = Text(item, "recipientId") is { } recipient ? Guid.Parse(recipient) : null,
                AttachmentId = Text(item, "attachmentId") is { } attachment ? Guid.Parse(attachment) : null,
                SubjectId = Text(item, "subjectId"),
                IpAddress = Text(item, "ipAddress"),
                UserAgent = Text(item, "userAgent"),
                Detail = item.TryGetProperty("detail", out var detail) && detail.ValueKind != JsonValueKind.Null ? detail.GetRawText() : null,
                PreviousHash = Text(item, "previousHash") ?? throw new FormatException("no previousHash"),
                Hash = Text(item, "hash") ?? throw new FormatException("no hash"),
            };
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"{name}: it is malformed ({e.Message}).");
            return null;
        }
    }

    private static string? Text(JsonElement element, params string[] path)
    {
        var value = Walk(element, path);
        return value is { ValueKind: JsonValueKind.String } text ? text.GetString() : null;
    }

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static long? Long(JsonElement element, params string[] path)
    {
        var value = Walk(element, path);
        return value is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out var n) ? n : null;
    }

    private static JsonElement? Walk(JsonElement element, string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element;
    }
}
