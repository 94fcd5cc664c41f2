using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.PublicInbox.Data.Migrations
{
    /// <inheritdoc />
    public partial class MessageCallbacks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "body",
                table: "inbox_items",
                type: "mediumtext",
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "open_id",
                table: "inbox_items",
                type: "varchar(64)",
                maxLength: 64,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "reply_body",
                table: "inbox_items",
                type: "mediumtext",
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "wait_state",
                table: "inbox_items",
                type: "varchar(16)",
                maxLength: 16,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "wx_encrypt_type",
                table: "inbox_items",
                type: "varchar(16)",
                maxLength: 16,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "wx_msg_signature",
                table: "inbox_items",
                type: "varchar(64)",
                maxLength: 64,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "wx_nonce",
                table: "inbox_items",
                type: "varchar(64)",
                maxLength: 64,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "wx_timestamp",
                table: "inbox_items",
                type: "varchar(16)",
                maxLength: 16,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_open_id",
                table: "inbox_items",
                column: "open_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_inbox_items_open_id",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "body",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "open_id",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "reply_body",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "wait_state",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "wx_encrypt_type",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "wx_msg_signature",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "wx_nonce",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "wx_timestamp",
                table: "inbox_items");
        }
    }
}
