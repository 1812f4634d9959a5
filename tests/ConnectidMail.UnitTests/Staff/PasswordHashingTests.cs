using System.Buffers.Binary;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.UnitTests.Staff;

public sealed class PasswordHashingTests
{
    [Fact]
    public void Staff_passwords_are_hashed_with_PBKDF2_SHA512_and_at_least_210000_iterations()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddStaffAccounts();
        using var services = builder.Services.BuildServiceProvider();
        var hasher = services.GetRequiredService<IPasswordHasher<StaffUser>>();

        var hash = Convert.FromBase64String(hasher.HashPassword(new StaffUser(), "a long staff passphrase"));

        // Identity V3 format: 0x01, PRF (uint32 BE), iteration count (uint32 BE), salt length, salt, subkey.
        Assert.Equal(0x01, hash[0]);
        Assert.Equal((uint)KeyDerivationPrf.HMACSHA512, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)));
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)) >= 210_000);
        Assert.Equal(
            PasswordVerificationResult.Success,
            hasher.VerifyHashedPassword(new StaffUser(), Convert.ToBase64String(hash), "a long staff passphrase"));
        Assert.Equal(
            PasswordVerificationResult.Failed,
            hasher.VerifyHashedPassword(new StaffUser(), Convert.ToBase64String(hash), "a long staff passphrasE"));
    }

    private enum KeyDerivationPrf : uint
    {
        HMACSHA512 = 2,
    }
}
