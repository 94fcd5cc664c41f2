using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.IntranetPoller.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScanLogins : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "scan_logins",
                columns: table => new
                {
                    id = table.Column<string>(type: "varchar(43)", maxLength: 43, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    scene = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    state = table.Column<string>(type: "varchar(16)", maxLength: 16, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    return_url = table.Column<string>(type: "varchar(2048)", maxLength: 2048, nullable: false, collation: "utf8mb4_unicode_ci")
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    expires_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    open_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: true, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii"),
                    scan_item_id = table.Column<long>(type: "bigint", nullable: true),
                    scanned_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    confirm_code = table.Column<int>(type: "int", nullable: true),
                    wrong_attempts = table.Column<int>(type: "int", nullable: false),
                    confirmed_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    ticket_issued_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    correlation_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "ascii_bin")
                        .Annotation("MySql:CharSet", "ascii")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scan_logins", x => x.id);
                })
                .Annotation("MySql:CharSet", "utf8mb4")
                .Annotation("Relational:Collation", "utf8mb4_unicode_ci");

            migrationBuilder.CreateIndex(
                name: "ix_scan_logins_open_id_state",
                table: "scan_logins",
                columns: new[] { "open_id", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_scan_logins_scene",
                table: "scan_logins",
                column: "scene",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scan_logins");
        }
    }
}
