using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.IntranetPoller.Data.Migrations
{
    /// <inheritdoc />
    public partial class Messages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "subscribed",
                table: "weixin_users",
                type: "tinyint(1)",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "subscribed_at",
                table: "weixin_users",
                type: "datetime(6)",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "unsubscribed_at",
                table: "weixin_users",
                type: "datetime(6)",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "access_tokens",
                columns: table => new
                {
                    app_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    token = table.Column<string>(type: "varchar(512)", maxLength: 512, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    expires_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    fetched_at = table.Column<DateTime>(type: "datetime(6)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_tokens", x => x.app_id);
                })
                .Annotation("MySql:CharSet", "utf8mb4")
                .Annotation("Relational:Collation", "utf8mb4_unicode_ci");

            migrationBuilder.CreateTable(
                name: "weixin_messages",
                columns: table => new
                {
                    dedup_key = table.Column<string>(type: "varchar(200)", maxLength: 200, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    item_id = table.Column<long>(type: "bigint", nullable: false),
                    correlation_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    open_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    msg_type = table.Column<string>(type: "varchar(32)", maxLength: 32, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    @event = table.Column<string>(name: "event", type: "varchar(64)", maxLength: 64, nullable: true, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    status = table.Column<string>(type: "varchar(16)", maxLength: 16, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    reply_xml = table.Column<string>(type: "text", nullable: true, collation: "utf8mb4_unicode_ci")
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    replied_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    delivery_item_id = table.Column<long>(type: "bigint", nullable: true),
                    delivered_via = table.Column<string>(type: "varchar(16)", maxLength: 16, nullable: true, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    delivered_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    last_error = table.Column<string>(type: "varchar(512)", maxLength: 512, nullable: true, collation: "utf8mb4_unicode_ci")
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_weixin_messages", x => x.dedup_key);
                })
                .Annotation("MySql:CharSet", "utf8mb4")
                .Annotation("Relational:Collation", "utf8mb4_unicode_ci");

            migrationBuilder.CreateIndex(
                name: "ix_weixin_messages_status_next_attempt_at",
                table: "weixin_messages",
                columns: new[] { "status", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_tokens");

            migrationBuilder.DropTable(
                name: "weixin_messages");

            migrationBuilder.DropColumn(
                name: "subscribed",
                table: "weixin_users");

            migrationBuilder.DropColumn(
                name: "subscribed_at",
                table: "weixin_users");

            migrationBuilder.DropColumn(
                name: "unsubscribed_at",
                table: "weixin_users");
        }
    }
}
