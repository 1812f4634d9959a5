using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.Testing;

/// <summary>
/// A staff member's authenticator app: RFC 6238 codes (HMAC-SHA1, 30-second steps, 6 digits) computed here,
/// independently of the portal. The portal accepts each step once, so every code handed out is for a step
/// this app has not used yet, waiting for the clock when it must.
/// </summary>
public sealed class TotpAuthenticator(string base32Key)
{
    private const int StepSeconds = 30;
    private long lastUsedStep = long.MinValue;

    /// <summary>The key as the portal shows and stores it (base32; spaces and case do not matter).</summary>
    public string Key { get; } = base32Key;

    /// <summary>Gives an admin (or anyone) an authenticator app straight through the portal's Identity services.</summary>
    public static async Task<TotpAuthenticator> EnableForAsync(IServiceProvider portalServices, string email)
    {
        await using var scope = portalServices.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No staff user {email}.");
        await users.ResetAuthenticatorKeyAsync(user);
        await users.SetTwoFactorEnabledAsync(user, true);
        return new TotpAuthenticator((await users.GetAuthenticatorKeyAsync(user))!);
    }

    /// <summary>A code for the current step or the next one, never a step used before.</summary>
    public async Task<string> NextCodeAsync()
    {
        var now = CurrentStep();
        var step = Math.Max(now, lastUsedStep + 1);
        if (step > now + 1)
        {
            // The portal allows one step of drift: wait until the step before this one has begun.
            var waitUntil = DateTimeOffset.FromUnixTimeSeconds((step - 1) * StepSeconds).AddMilliseconds(200);
            await Task.Delay(waitUntil - DateTimeOffset.UtcNow);
        }

        lastUsedStep = step;
        return CodeFor(step);
    }

    /// <summary>Six digits that are not the code of any step the portal would accept now.</summary>
    public string WrongCode()
    {
        var now = CurrentStep();
        var valid = new[] { CodeFor(now - 1), CodeFor(now), CodeFor(now + 1) };
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !valid.Contains(c));
    }

    public string CodeFor(long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(Base32(Key), counter);
        var offset = hash[^1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7FFF_FFFF;
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / StepSeconds;

    private static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(text.Where(c => !char.IsWhiteSpace(c)).Select(c =>
            Convert.ToString(Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal), 2).PadLeft(5, '0')));
        return [.. Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2))];
    }
}
