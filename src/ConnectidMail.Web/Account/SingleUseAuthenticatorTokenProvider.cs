using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;

namespace ConnectidMail.Web.Account;

/// <summary>
/// Authenticator-app codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) that work once. Identity's own
/// provider accepts a code again for two minutes; ASVS asks that a time-based code be used only once, so the
/// last accepted step is kept beside the authenticator key and only later steps are accepted. One step either
/// side of now allows for clock drift.
/// </summary>
internal sealed class SingleUseAuthenticatorTokenProvider(TimeProvider clock) : IUserTwoFactorTokenProvider<StaffUser>
{
    private const string TokenStore = "[AspNetUserStore]";
    private const string LastUsedStepName = "AuthenticatorLastUsedStep";
    private const int StepSeconds = 30;
    private const int AllowedDriftSteps = 1;

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<StaffUser> manager, StaffUser user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>The code comes from the user's app, never from the portal.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<StaffUser> manager, StaffUser user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<StaffUser> manager, StaffUser user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key) || token.Length != 6 || !token.All(char.IsAsciiDigit))
        {
            return false;
        }

        var code = int.Parse(token, CultureInfo.InvariantCulture);
        var secret = Base32Decode(key);
        var lastUsed = long.TryParse(await manager.GetAuthenticationTokenAsync(user, TokenStore, LastUsedStepName), CultureInfo.InvariantCulture, out var step)
            ? step
            : long.MinValue;
        var now = clock.GetUtcNow().ToUnixTimeSeconds() / StepSeconds;
        for (var candidate = Math.Max(now - AllowedDriftSteps, lastUsed + 1); candidate <= now + AllowedDriftSteps; candidate++)
        {
            if (Code(secret, candidate) == code)
            {
                // Recording the step also rejects a second, concurrent use: the user row's concurrency stamp changes.
                var recorded = await manager.SetAuthenticationTokenAsync(user, TokenStore, LastUsedStepName, candidate.ToString(CultureInfo.InvariantCulture));
                return recorded.Succeeded;
            }
        }

        return false;
    }

    private static int Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(secret, counter, hash);
        var offset = hash[^1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFF_FFFF;
        return binary % 1_000_000;
    }

    /// <summary>RFC 4648 base32, the form Identity stores authenticator keys in.</summary>
    private static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)(buffer >> bits));
            }
        }

        return [.. output];
    }
}
