using ConnectidMail.ApiKeys;
using ConnectidMail.Audit;
using ConnectidMail.Branding;
using ConnectidMail.Consent;
using ConnectidMail.Keys;
using ConnectidMail.Mail;
using ConnectidMail.Messaging;
using ConnectidMail.Passkeys;
using ConnectidMail.Replies;
using ConnectidMail.Staff;
using ConnectidMail.Verification;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ConnectidMail.Persistence;

/// <summary>The one database of a deployment: staff accounts, API keys, wrapped keys, the encrypted DataProtection key ring, the mail outbox and messages.</summary>
public sealed class ConnectidDbContext(DbContextOptions<ConnectidDbContext> options)
    : IdentityDbContext<StaffUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<KeyEncryptionKeyRecord> KeyEncryptionKeys => Set<KeyEncryptionKeyRecord>();

    public DbSet<DataKeyRecord> DataKeys => Set<DataKeyRecord>();

    public DbSet<OutboxMail> OutboxMails => Set<OutboxMail>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<MessageRecipient> MessageRecipients => Set<MessageRecipient>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<AttachmentDownload> AttachmentDownloads => Set<AttachmentDownload>();

    public DbSet<RecipientLinkToken> RecipientLinkTokens => Set<RecipientLinkToken>();

    public DbSet<Reply> Replies => Set<Reply>();

    public DbSet<ReplyAttachment> ReplyAttachments => Set<ReplyAttachment>();

    public DbSet<VerificationCode> VerificationCodes => Set<VerificationCode>();

    public DbSet<VerificationCodeSend> VerificationCodeSends => Set<VerificationCodeSend>();

    public DbSet<RecipientSession> RecipientSessions => Set<RecipientSession>();

    public DbSet<RecipientSessionUnlock> RecipientSessionUnlocks => Set<RecipientSessionUnlock>();

    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();

    public DbSet<RecipientPasskey> RecipientPasskeys => Set<RecipientPasskey>();

    public DbSet<RecipientPasskeyUnlock> RecipientPasskeyUnlocks => Set<RecipientPasskeyUnlock>();

    public DbSet<PasskeyChallenge> PasskeyChallenges => Set<PasskeyChallenge>();

    public DbSet<OrganisationBranding> OrganisationBranding => Set<OrganisationBranding>();

    /// <summary>Append-only and hash-chained: rows are added through <see cref="AuditTrail"/>, never updated or deleted.</summary>
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    /// <summary>Signed statements of the chain's head; added, never updated or deleted.</summary>
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();

    /// <summary>The public halves of the checkpoint signing keys, current and retired.</summary>
    public DbSet<AuditSigningKeyRecord> AuditSigningKeys => Set<AuditSigningKeyRecord>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ConnectidDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Database.IsSqlite())
        {
            // SQLite cannot compare or order DateTimeOffset text; a binary form can, and all times here are UTC.
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }
}
