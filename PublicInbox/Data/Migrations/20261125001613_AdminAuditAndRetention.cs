using System;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.PublicInbox.Data.Migrations
{
    /// <inheritdoc />
    public partial class AdminAuditAndRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "payload_purged_at",
                table: "inbox_items",
                type: "datetime(6)",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "admin_audit_log",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    actor = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    action = table.Column<string>(type: "varchar(32)", maxLength: 32, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    remote_ip = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: true)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    item_id = table.Column<long>(type: "bigint", nullable: true),
                    detail = table.Column<string>(type: "varchar(1024)", maxLength: 1024, nullable: true)
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_admin_audit_log", x => x.id);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "admin_sign_in_locks",
                columns: table => new
                {
                    user_name = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    failures = table.Column<int>(type: "int", nullable: false),
                    last_failure_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    locked_until = table.Column<DateTime>(type: "datetime(6)", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_admin_sign_in_locks", x => x.user_name);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    friendly_name = table.Column<string>(type: "varchar(128)", maxLength: 128, nullable: true)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    xml = table.Column<string>(type: "text", nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.id);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "retention_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    started_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    finished_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    payload_cutoff = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    metadata_cutoff = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    payloads_purged = table.Column<int>(type: "int", nullable: false),
                    items_deleted = table.Column<int>(type: "int", nullable: false),
                    events_deleted = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_retention_runs", x => x.id);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_kind_id",
                table: "inbox_items",
                columns: new[] { "kind", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_kind_status_id",
                table: "inbox_items",
                columns: new[] { "kind", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_payload_purged_received",
                table: "inbox_items",
                columns: new[] { "payload_purged_at", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_admin_audit_log_action_id",
                table: "admin_audit_log",
                columns: new[] { "action", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_admin_audit_log_actor_id",
                table: "admin_audit_log",
                columns: new[] { "actor", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_retention_runs_started_at",
                table: "retention_runs",
                column: "started_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "admin_audit_log");

            migrationBuilder.DropTable(
                name: "admin_sign_in_locks");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "retention_runs");

            migrationBuilder.DropIndex(
                name: "ix_inbox_items_kind_id",
                table: "inbox_items");

            migrationBuilder.DropIndex(
                name: "ix_inbox_items_kind_status_id",
                table: "inbox_items");

            migrationBuilder.DropIndex(
                name: "ix_inbox_items_payload_purged_received",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "payload_purged_at",
                table: "inbox_items");
        }
    }
}
