namespace ConnectidMail.Messaging;

/// <summary>What a sender asks to send (the JSON of <c>POST /api/v1/messages</c> and of the compose page).</summary>
public sealed record MessageRequest(
    IReadOnlyList<string>? To,
    string? Subject,
    string? Body,
    DateTimeOffset? ExpiresAt = null,
    bool? RequirePasskey = null,
    string? AccessCode = null);

/// <summary>The staff member a message is sent as.</summary>
public sealed record SenderIdentity(string UserId, string Email);
