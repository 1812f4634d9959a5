using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Keys;

/// <summary>A key-encryption key, stored wrapped by a key derived from the master key. Its rows are the record of every rotation.</summary>
public sealed class KeyEncryptionKeyRecord
{
    public int Version { get; set; }

    /// <summary>Empty once retired: a retired KEK is erased, not just marked.</summary>
    public byte[] WrappedKey { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>The data key (DEK) of one owner (a message), wrapped by a KEK and bound to the owner's id. Deleting it shreds the owner's content.</summary>
public sealed class DataKeyRecord
{
    public Guid OwnerId { get; set; }

    public int KekVersion { get; set; }

    public byte[] WrappedKey { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class KeyEncryptionKeyRecordConfiguration : IEntityTypeConfiguration<KeyEncryptionKeyRecord>
{
    public void Configure(EntityTypeBuilder<KeyEncryptionKeyRecord> builder)
    {
        builder.ToTable("KeyEncryptionKeys");
        builder.HasKey(k => k.Version);
        builder.Property(k => k.Version).ValueGeneratedNever();
    }
}

internal sealed class DataKeyRecordConfiguration : IEntityTypeConfiguration<DataKeyRecord>
{
    public void Configure(EntityTypeBuilder<DataKeyRecord> builder)
    {
        builder.ToTable("DataKeys");
        builder.HasKey(k => k.OwnerId);
        builder.HasIndex(k => k.KekVersion);
        builder.HasOne<KeyEncryptionKeyRecord>().WithMany().HasForeignKey(k => k.KekVersion).OnDelete(DeleteBehavior.Restrict);
    }
}
