using ConnectidMail.Crypto;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests;

/// <summary>Staff second factors are secrets: a copy of the database must not hold an authenticator key or a recovery code.</summary>
public sealed class StaffTokenEncryptionTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Authenticator_keys_and_recovery_codes_are_stored_encrypted_and_still_work()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        string key;
        List<string> codes;
        await using (var scope = fixture.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            await users.ResetAuthenticatorKeyAsync(user);
            key = (await users.GetAuthenticatorKeyAsync(user))!;
            codes = [.. (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!];

            Assert.Equal(10, await users.CountRecoveryCodesAsync(user));
            Assert.True((await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded);
            Assert.False((await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded);
            Assert.Equal(9, await users.CountRecoveryCodesAsync(user));
            Assert.Equal(key, await users.GetAuthenticatorKeyAsync(user));
        }

        var stored = await fixture.Portal.WithDbAsync(db => db.UserTokens.Where(t => t.UserId == db.Users.Single(u => u.Email == email).Id).Select(t => t.Value!).ToListAsync());
        Assert.NotEmpty(stored);
        Assert.All(stored, value => Assert.StartsWith("enc1:", value, StringComparison.Ordinal));
        Assert.False(await StoredBytes.ContainAsync(fixture.Portal, key), "The authenticator key was found in the stored data.");
        foreach (var code in codes.Skip(1))
        {
            Assert.False(await StoredBytes.ContainAsync(fixture.Portal, code), "A recovery code was found in the stored data.");
        }
    }

    [Fact]
    public async Task An_authenticator_key_moved_to_another_user_does_not_decrypt()
    {
        var first = await fixture.CreateUserAsync(StaffRoles.Sender);
        var second = await fixture.CreateUserAsync(StaffRoles.Sender);
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var firstUser = (await users.FindByEmailAsync(first))!;
        var secondUser = (await users.FindByEmailAsync(second))!;
        await users.ResetAuthenticatorKeyAsync(firstUser);
        await users.ResetAuthenticatorKeyAsync(secondUser);

        await fixture.Portal.WithDbAsync(async db =>
        {
            var tokens = await db.UserTokens.Where(t => t.UserId == firstUser.Id || t.UserId == secondUser.Id).ToListAsync();
            var firstKey = tokens.Single(t => t.UserId == firstUser.Id && t.Name == "AuthenticatorKey");
            tokens.Single(t => t.UserId == secondUser.Id && t.Name == "AuthenticatorKey").Value = firstKey.Value;
            return await db.SaveChangesAsync();
        });

        await using var fresh = fixture.Portal.Services.CreateAsyncScope();
        var freshUsers = fresh.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        await Assert.ThrowsAsync<DecryptionFailedException>(async () => await freshUsers.GetAuthenticatorKeyAsync((await freshUsers.FindByEmailAsync(second))!));
    }
}
