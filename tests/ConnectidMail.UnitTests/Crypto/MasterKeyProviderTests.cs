using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Crypto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnectidMail.UnitTests.Crypto;

public sealed class MasterKeyProviderTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly string[] Labels = [PurposeKeys.KekWrap, PurposeKeys.Codes, PurposeKeys.AuditSigning, PurposeKeys.DataProtection];

    [Fact]
    public void The_key_file_is_created_on_first_use_with_mode_0600_and_32_bytes()
    {
        using var folder = new CryptoTempFolder();
        using var provider = new FileMasterKeyProvider(KeysOptions.DefaultMasterKeyFile, folder.Path);

        provider.EnsureLoaded();

        var file = Path.Combine(folder.Path, "keys", "master.key");
        Assert.Equal(file, provider.FilePath);
        Assert.Equal(32, new FileInfo(file).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.GetDirectoryName(file)!) & FileMasterKeyProvider.GroupOrOthers);
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(file)!, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_key_file_is_kept_across_restarts()
    {
        using var folder = new CryptoTempFolder();
        using var first = new FileMasterKeyProvider("master.key", folder.Path);
        var derivedBefore = first.DeriveKey(PurposeKeys.Codes);
        var fileBefore = File.ReadAllBytes(first.FilePath);

        using var second = new FileMasterKeyProvider("master.key", folder.Path);

        Assert.Equal(derivedBefore, second.DeriveKey(PurposeKeys.Codes));
        Assert.Equal(fileBefore, File.ReadAllBytes(second.FilePath));
    }

    [Fact]
    public void Processes_starting_at_the_same_time_end_up_with_one_key()
    {
        using var folder = new CryptoTempFolder();
        var providers = Enumerable.Range(0, 8).Select(_ => new FileMasterKeyProvider("keys/master.key", folder.Path)).ToArray();

        var derived = providers.AsParallel().Select(p => Convert.ToBase64String(p.DeriveKey(PurposeKeys.KekWrap))).ToArray();

        Assert.Single(derived.Distinct());
        Assert.Single(Directory.GetFiles(Path.Combine(folder.Path, "keys")));
        foreach (var provider in providers)
        {
            provider.Dispose();
        }
    }

    [Theory]
    [InlineData(0b110_100_100)]
    [InlineData(0b110_100_000)]
    [InlineData(0b110_110_000)]
    [InlineData(0b110_000_100)]
    [InlineData(0b110_000_010)]
    public void A_key_file_readable_or_writable_by_group_or_others_is_refused(int mode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var folder = new CryptoTempFolder();
        var file = Path.Combine(folder.Path, "master.key");
        File.WriteAllBytes(file, RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(file, (UnixFileMode)mode);
        using var provider = new FileMasterKeyProvider(file, folder.Path);

        var failure = Assert.Throws<MasterKeyException>(provider.EnsureLoaded);

        Assert.Contains(file, failure.Message, StringComparison.Ordinal);
        Assert.Contains("0" + Convert.ToString(mode, 8), failure.Message, StringComparison.Ordinal);
        Assert.Contains("0600", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_chmod_0644_is_refused_and_accepted_again_after_chmod_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var folder = new CryptoTempFolder();
        using (var creator = new FileMasterKeyProvider("master.key", folder.Path))
        {
            creator.EnsureLoaded();
        }

        var file = Path.Combine(folder.Path, "master.key");
        File.SetUnixFileMode(file, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (var refused = new FileMasterKeyProvider("master.key", folder.Path))
        {
            var failure = Assert.Throws<MasterKeyException>(refused.EnsureLoaded);
            Assert.Contains("0644", failure.Message, StringComparison.Ordinal);
            Assert.Contains(file, failure.Message, StringComparison.Ordinal);
        }

        File.SetUnixFileMode(file, OwnerReadWrite);
        using var accepted = new FileMasterKeyProvider("master.key", folder.Path);
        accepted.EnsureLoaded();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(44)]
    public void A_key_file_of_the_wrong_length_is_refused(int length)
    {
        using var folder = new CryptoTempFolder();
        var file = Path.Combine(folder.Path, "master.key");
        File.WriteAllBytes(file, new byte[length]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, OwnerReadWrite);
        }

        using var provider = new FileMasterKeyProvider(file, folder.Path);

        var failure = Assert.Throws<MasterKeyException>(provider.EnsureLoaded);
        Assert.Contains(file, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void A_configured_key_of_the_wrong_length_is_refused_without_echoing_it(int length)
    {
        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(length));
        using var provider = new ConfigurationMasterKeyProvider(value);

        var failure = Assert.Throws<MasterKeyException>(provider.EnsureLoaded);

        Assert.Contains("256 bits", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"{length * 8} bits", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_key_that_is_not_base64_is_refused()
    {
        using var provider = new ConfigurationMasterKeyProvider("not base64 at all!");

        var failure = Assert.Throws<MasterKeyException>(provider.EnsureLoaded);

        Assert.Contains("base64", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not base64 at all!", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_configured_key_stops_the_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Keys:MasterKey"] = Convert.ToBase64String(new byte[16]) });
        builder.AddCrypto();
        using var services = builder.Services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeysOptions>>().Value);

        Assert.Contains("Keys:MasterKey", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_key_file_readable_by_others_stops_the_start()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var folder = new CryptoTempFolder();
        var file = Path.Combine(folder.Path, "keys", "master.key");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(file, OwnerReadWrite | UnixFileMode.OtherRead);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = folder.Path });
        builder.AddCrypto();
        using var services = builder.Services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeysOptions>>().Value);

        Assert.Contains(file, failure.Message, StringComparison.Ordinal);
        Assert.Contains("0604", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_valid_settings_the_registered_provider_derives_keys()
    {
        using var folder = new CryptoTempFolder();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = folder.Path });
        builder.AddCrypto();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(32, services.GetRequiredService<IMasterKeyProvider>().DeriveKey(PurposeKeys.Codes).Length);
        Assert.True(File.Exists(Path.Combine(folder.Path, "keys", "master.key")));
    }

    [Fact]
    public void A_configured_key_takes_precedence_over_the_key_file()
    {
        using var folder = new CryptoTempFolder();
        var key = RandomNumberGenerator.GetBytes(32);

        using var provider = MasterKeyProviderFactory.Create(new KeysOptions { MasterKey = Convert.ToBase64String(key) }, folder.Path);

        Assert.IsType<ConfigurationMasterKeyProvider>(provider);
        Assert.Equal(PurposeKeys.Derive(key, PurposeKeys.Codes), provider.DeriveKey(PurposeKeys.Codes));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "keys")));
    }

    [Fact]
    public void Without_a_configured_key_the_key_file_is_used()
    {
        using var folder = new CryptoTempFolder();

        using var provider = MasterKeyProviderFactory.Create(new KeysOptions(), folder.Path);

        Assert.Equal(Path.Combine(folder.Path, "keys", "master.key"), Assert.IsType<FileMasterKeyProvider>(provider).FilePath);
    }

    [Fact]
    public void Derived_keys_differ_per_label()
    {
        using var provider = new ConfigurationMasterKeyProvider(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        var derived = Labels.Select(label => Convert.ToBase64String(provider.DeriveKey(label))).ToArray();

        Assert.Equal(Labels.Length, derived.Distinct().Count());
        Assert.All(Labels, label => Assert.Equal(32, provider.DeriveKey(label).Length));
    }

    [Fact]
    public void Derived_keys_are_stable_and_are_HKDF_SHA256_of_the_master_key_with_the_label()
    {
        var master = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var first = new ConfigurationMasterKeyProvider(Convert.ToBase64String(master));
        using var second = new ConfigurationMasterKeyProvider(Convert.ToBase64String(master));

        foreach (var label in Labels)
        {
            var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Encoding.UTF8.GetBytes(label));
            Assert.Equal(expected, first.DeriveKey(label));
            Assert.Equal(expected, second.DeriveKey(label));
        }

        // Pinned, computed independently (Python hmac): a change here would orphan every stored KEK.
        Assert.Equal(
            "7f956975f6a4a9f7ceea0f5076983dc3a4163241d344b2be81d8c4a4348e751c",
            Convert.ToHexStringLower(first.DeriveKey(PurposeKeys.KekWrap)));
    }

    [Fact]
    public void A_disposed_provider_no_longer_derives_keys()
    {
        var provider = new ConfigurationMasterKeyProvider(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        provider.Dispose();

        Assert.Throws<ObjectDisposedException>(() => provider.DeriveKey(PurposeKeys.Codes));
    }
}
