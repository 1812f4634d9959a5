using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnectidMail.Messaging;

/// <summary>
/// A further link for a recipient, mailed after the first (for instance when the sender answers a reply). It leads to
/// the same recipient as the first link, which keeps working; only the token's SHA-256 is stored.
/// </summary>
public sealed class RecipientLinkToken
{
    public long Id { get; set; }

    public Guid RecipientId { get; set; }

    public required byte[] TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class RecipientLinkTokenConfiguration : IEntityTypeConfiguration<RecipientLinkToken>
{
    public void Configure(EntityTypeBuilder<RecipientLinkToken> builder)
    {
        builder.ToTable("RecipientLinkTokens");
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasOne<MessageRecipient>().WithMany().HasForeignKey(t => t.RecipientId).OnDelete(DeleteBehavior.Cascade);
    }
}
