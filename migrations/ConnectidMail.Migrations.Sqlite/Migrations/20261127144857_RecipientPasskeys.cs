using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ConnectidMail.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RecipientPasskeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "PasskeyId",
                table: "RecipientSessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VerifiedBy",
                table: "MessageRecipients",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PasskeyChallenges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChallengeHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    Ceremony = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    NormalizedEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OptionsJson = table.Column<string>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PasskeyChallenges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RecipientPasskeys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    NormalizedEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    CredentialId = table.Column<byte[]>(type: "BLOB", maxLength: 1023, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SignCount = table.Column<long>(type: "INTEGER", nullable: false),
                    UserHandle = table.Column<byte[]>(type: "BLOB", maxLength: 64, nullable: false),
                    AaGuid = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUsedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EnrolledInSessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EnrolledAfter = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecipientPasskeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RecipientPasskeyUnlocks",
                columns: table => new
                {
                    PasskeyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecipientPasskeyUnlocks", x => new { x.PasskeyId, x.MessageId });
                    table.ForeignKey(
                        name: "FK_RecipientPasskeyUnlocks_RecipientPasskeys_PasskeyId",
                        column: x => x.PasskeyId,
                        principalTable: "RecipientPasskeys",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PasskeyChallenges_ChallengeHash",
                table: "PasskeyChallenges",
                column: "ChallengeHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PasskeyChallenges_ExpiresAt",
                table: "PasskeyChallenges",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_RecipientPasskeys_CredentialId",
                table: "RecipientPasskeys",
                column: "CredentialId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RecipientPasskeys_NormalizedEmail",
                table: "RecipientPasskeys",
                column: "NormalizedEmail");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PasskeyChallenges");

            migrationBuilder.DropTable(
                name: "RecipientPasskeyUnlocks");

            migrationBuilder.DropTable(
                name: "RecipientPasskeys");

            migrationBuilder.DropColumn(
                name: "PasskeyId",
                table: "RecipientSessions");

            migrationBuilder.DropColumn(
                name: "VerifiedBy",
                table: "MessageRecipients");
        }
    }
}
