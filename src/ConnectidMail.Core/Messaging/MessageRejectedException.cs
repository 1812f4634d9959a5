using ConnectidMail.Uploads;

namespace ConnectidMail.Messaging;

/// <summary>
/// A message or file the policy or the input rules refuse; nothing of it is stored. <see cref="Errors"/> names the
/// fields (camelCase, as in the API) with readable messages.
/// </summary>
public sealed class MessageRejectedException(string title, IReadOnlyDictionary<string, string[]> errors, bool tooLarge = false)
    : Exception(title)
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>The refusal is about size (a file or the message over its limit): HTTP 413 rather than 400.</summary>
    public bool TooLarge { get; } = tooLarge;

    /// <summary>Set when the upload checks refused a file: what to record in the audit trail.</summary>
    public UploadRejection? Upload { get; init; }

    public static MessageRejectedException ForField(string field, string message, bool tooLarge = false) =>
        new(message, new Dictionary<string, string[]> { [field] = [message] }, tooLarge);
}
