using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ConnectidMail.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Messages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SenderId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RequirePasskey = table.Column<bool>(type: "INTEGER", nullable: false),
                    EncryptedSubject = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedBody = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedAccessCode = table.Column<byte[]>(type: "BLOB", nullable: true),
                    HasAccessCode = table.Column<bool>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ContentShreddedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Messages_AspNetUsers_SenderId",
                        column: x => x.SenderId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Attachments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    EncryptedName = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    BlobName = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Attachments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Attachments_Messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "Messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MessageRecipients",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    NormalizedEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    LinkTokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    NotifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DeliveryFailedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    VerifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    FirstOpenedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastOpenedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    OpenCount = table.Column<int>(type: "INTEGER", nullable: false),
                    RepliedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageRecipients", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MessageRecipients_Messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "Messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Attachments_MessageId_Position",
                table: "Attachments",
                columns: new[] { "MessageId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MessageRecipients_LinkTokenHash",
                table: "MessageRecipients",
                column: "LinkTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MessageRecipients_MessageId_Position",
                table: "MessageRecipients",
                columns: new[] { "MessageId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MessageRecipients_NormalizedEmail",
                table: "MessageRecipients",
                column: "NormalizedEmail");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_ContentShreddedAt_ExpiresAt",
                table: "Messages",
                columns: new[] { "ContentShreddedAt", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_SenderId_CreatedAt",
                table: "Messages",
                columns: new[] { "SenderId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Attachments");

            migrationBuilder.DropTable(
                name: "MessageRecipients");

            migrationBuilder.DropTable(
                name: "Messages");
        }
    }
}
