using ConnectidMail.Crypto;
using ConnectidMail.Keys;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests;

/// <summary>The key hierarchy against a real database: KEKs wrapped by the master key, DEKs per owner, rotation, shredding.</summary>
public sealed class KeyStoreTests : IDisposable
{
    private readonly PortalFactory portal = new();

    [Fact]
    public async Task The_first_start_creates_a_private_master_key_file_outside_the_data_folder_and_KEK_v1()
    {
        using var client = portal.CreateClient();
        (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();

        Assert.True(File.Exists(portal.MasterKeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(portal.MasterKeyFile));
        Assert.False(portal.MasterKeyFile.StartsWith(portal.DataPath, StringComparison.Ordinal));
        var keks = await portal.WithDbAsync(db => db.KeyEncryptionKeys.ToListAsync());
        var kek = Assert.Single(keks);
        Assert.Equal(1, kek.Version);
        Assert.Null(kek.RetiredAt);
        Assert.False(await StoredBytes.ContainAsync(portal, await File.ReadAllBytesAsync(portal.MasterKeyFile)), "The master key was found in the stored data.");
    }

    [Fact]
    public async Task A_data_key_reads_back_for_its_owner_and_not_for_another()
    {
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var created = await CreateDataKeysAsync(owner, other);

        Assert.Equal(created[owner], await GetDataKeyAsync(owner));

        // The other owner's wrapped key moved under this owner's id is refused: the wrapping is bound to the owner.
        await portal.WithDbAsync(async db =>
        {
            var rows = await db.DataKeys.Where(k => k.OwnerId == owner || k.OwnerId == other).ToListAsync();
            var mine = rows.Single(r => r.OwnerId == owner);
            mine.WrappedKey = rows.Single(r => r.OwnerId == other).WrappedKey;
            return await db.SaveChangesAsync();
        });
        await Assert.ThrowsAsync<DecryptionFailedException>(() => GetDataKeyAsync(owner));
    }

    [Fact]
    public async Task Rotation_rewraps_every_data_key_retires_the_old_KEK_and_new_keys_use_the_new_one()
    {
        var owners = Enumerable.Range(0, 7).Select(_ => Guid.NewGuid()).ToArray();
        var before = await CreateDataKeysAsync(owners);
        var wrappedBefore = await portal.WithDbAsync(db => db.DataKeys.ToDictionaryAsync(k => k.OwnerId, k => k.WrappedKey));

        var result = await AdminCliRunner.RunAsync(portal, "rotate-keys", "--batch-size", "3");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("Rotated to key-encryption key v2: 7 data key(s) re-wrapped, retired v1.", result.OutputLines[^1]);
        foreach (var owner in owners)
        {
            Assert.Equal(before[owner], await GetDataKeyAsync(owner));
        }

        var keks = await portal.WithDbAsync(db => db.KeyEncryptionKeys.OrderBy(k => k.Version).ToListAsync());
        Assert.Equal([1, 2], keks.Select(k => k.Version));
        Assert.NotNull(keks[0].RetiredAt);
        Assert.NotEmpty(keks[0].WrappedKey); // kept for the grace, erased by a later rotation
        Assert.Null(keks[1].RetiredAt);
        var rows = await portal.WithDbAsync(db => db.DataKeys.ToListAsync());
        Assert.All(rows, row => Assert.Equal(2, row.KekVersion));
        Assert.All(rows, row => Assert.NotEqual(wrappedBefore[row.OwnerId], row.WrappedKey));

        var later = Guid.NewGuid();
        await CreateDataKeysAsync(later);
        Assert.Equal(2, await portal.WithDbAsync(db => db.DataKeys.Where(k => k.OwnerId == later).Select(k => k.KekVersion).SingleAsync()));
    }

    [Fact]
    public async Task A_data_key_taken_before_a_rotation_and_saved_after_it_stays_readable_and_is_rewrapped_before_its_KEK_is_erased()
    {
        // A slow request (a large upload) takes its DEK under KEK v1 ...
        var owner = Guid.NewGuid();
        await using var slow = portal.Services.CreateAsyncScope();
        var dataKey = await slow.ServiceProvider.GetRequiredService<KeyStore>().CreateDataKeyAsync(owner);

        // ... a rotation runs meanwhile ...
        var rotated = await AdminCliRunner.RunAsync(portal, "rotate-keys");
        Assert.True(rotated.ExitCode == 0, rotated.Error);

        // ... and the request commits afterwards, under the retired v1.
        await slow.ServiceProvider.GetRequiredService<ConnectidMail.Persistence.ConnectidDbContext>().SaveChangesAsync();
        Assert.Equal(dataKey, await GetDataKeyAsync(owner));

        // The next rotation after the grace re-wraps it first, then erases v1 and v2.
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<KeyStore>().RotateAsync(eraseRetiredAfter: TimeSpan.Zero);
            Assert.Equal(3, result.Version);
            Assert.Equal(1, result.Rewrapped);
            Assert.Equal([1, 2], result.Erased.Order());
        }

        Assert.Equal(dataKey, await GetDataKeyAsync(owner));
        var keks = await portal.WithDbAsync(db => db.KeyEncryptionKeys.OrderBy(k => k.Version).ToListAsync());
        Assert.All(keks.Take(2), k => Assert.Empty(k.WrappedKey));
        Assert.NotEmpty(keks[2].WrappedKey);
    }

    [Fact]
    public async Task A_retired_KEK_is_not_erased_within_the_grace()
    {
        var owner = Guid.NewGuid();
        await CreateDataKeysAsync(owner);
        Assert.Equal(0, (await AdminCliRunner.RunAsync(portal, "rotate-keys")).ExitCode);

        var second = await AdminCliRunner.RunAsync(portal, "rotate-keys");

        Assert.Equal("Rotated to key-encryption key v3: 1 data key(s) re-wrapped, retired v2.", second.OutputLines[^1]);
        var keks = await portal.WithDbAsync(db => db.KeyEncryptionKeys.OrderBy(k => k.Version).ToListAsync());
        Assert.All(keks, k => Assert.NotEmpty(k.WrappedKey));
    }

    [Fact]
    public async Task An_interrupted_rotation_is_finished_by_running_it_again()
    {
        var owners = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var before = await CreateDataKeysAsync(owners);

        await Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await using var scope = portal.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<KeyStore>().RotateAsync(
                batchSize: 2, afterBatch: _ => throw new OperationCanceledException("the process was stopped"));
        });

        var midway = await portal.WithDbAsync(db => db.DataKeys.GroupBy(k => k.KekVersion).Select(g => new { g.Key, Count = g.Count() }).ToListAsync());
        Assert.Equal(2, midway.Single(g => g.Key == 2).Count);
        Assert.Equal(3, midway.Single(g => g.Key == 1).Count);
        foreach (var owner in owners)
        {
            Assert.Equal(before[owner], await GetDataKeyAsync(owner));
        }

        var result = await AdminCliRunner.RunAsync(portal, "rotate-keys");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("Finished an interrupted rotation to key-encryption key v2: 3 data key(s) re-wrapped, retired v1.", result.OutputLines[^1]);
        foreach (var owner in owners)
        {
            Assert.Equal(before[owner], await GetDataKeyAsync(owner));
        }

        Assert.Equal(2, await portal.WithDbAsync(db => db.KeyEncryptionKeys.CountAsync()));
    }

    [Fact]
    public async Task A_shredded_data_key_is_gone_for_good()
    {
        var owner = Guid.NewGuid();
        await CreateDataKeysAsync(owner);

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<KeyStore>();
            Assert.True(await store.ShredDataKeyAsync(owner));
            await scope.ServiceProvider.GetRequiredService<ConnectidMail.Persistence.ConnectidDbContext>().SaveChangesAsync();
        }

        await Assert.ThrowsAsync<DataKeyNotFoundException>(() => GetDataKeyAsync(owner));
    }

    [Fact]
    public async Task Another_master_key_unwraps_nothing_and_the_key_ring_does_not_open()
    {
        var owner = Guid.NewGuid();
        await CreateDataKeysAsync(owner);
        var ring = await portal.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
        Assert.NotEmpty(ring);
        Assert.All(ring, xml => Assert.Contains("MasterKeyXmlDecryptor", xml, StringComparison.Ordinal));
        Assert.All(ring, xml => Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal));

        using var otherKey = new TempFolder();
        var stolen = portal.DataSettings;
        stolen["Keys:MasterKeyFile"] = otherKey.Combine("master.key");
        using var thief = new PortalFactory(stolen);

        await using var scope = thief.Services.CreateAsyncScope();
        await Assert.ThrowsAsync<DecryptionFailedException>(() => scope.ServiceProvider.GetRequiredService<KeyStore>().GetDataKeyAsync(owner));
        var protector = scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe");
        var fromFirst = portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe").Protect("secret");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect(fromFirst));
    }

    [Fact]
    public async Task A_key_ring_entry_stored_in_plain_form_is_removed_and_replaced_by_an_encrypted_one()
    {
        // A key ring written by an older version: a plain key XML as DataProtection writes it without an encryptor.
        using var first = new PortalFactory();
        await first.WithDbAsync(async db =>
        {
            db.DataProtectionKeys.Add(new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey
            {
                FriendlyName = "key-plain",
                Xml = $"""<key id="{Guid.NewGuid()}" version="1"><creationDate>2026-01-01T00:00:00Z</creationDate><activationDate>2026-01-01T00:00:00Z</activationDate><expirationDate>2099-01-01T00:00:00Z</expirationDate><descriptor deserializerType="x"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey><value>cGxhaW4ta2V5LW1hdGVyaWFs</value></masterKey></descriptor></descriptor></key>""",
            });
            return await db.SaveChangesAsync();
        });

        // The next start reads the ring, drops the plain key and works with an encrypted one.
        using var second = new PortalFactory(first.DataSettings);
        var protector = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe");
        Assert.Equal("secret", protector.Unprotect(protector.Protect("secret")));

        var ring = await second.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
        Assert.DoesNotContain(ring, xml => xml.Contains("cGxhaW4ta2V5LW1hdGVyaWFs", StringComparison.Ordinal));
        Assert.All(ring, xml => Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal));
    }

    private async Task<Dictionary<Guid, byte[]>> CreateDataKeysAsync(params Guid[] owners)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<KeyStore>();
        var keys = new Dictionary<Guid, byte[]>();
        foreach (var owner in owners)
        {
            keys[owner] = await store.CreateDataKeyAsync(owner);
        }

        await scope.ServiceProvider.GetRequiredService<ConnectidMail.Persistence.ConnectidDbContext>().SaveChangesAsync();
        return keys;
    }

    private async Task<byte[]> GetDataKeyAsync(Guid owner)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeyStore>().GetDataKeyAsync(owner);
    }

    public void Dispose() => portal.Dispose();
}
