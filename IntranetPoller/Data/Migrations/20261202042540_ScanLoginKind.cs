using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.IntranetPoller.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScanLoginKind : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "scan_logins",
                type: "varchar(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "scan",
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.CreateIndex(
                name: "ix_scan_logins_expires_at",
                table: "scan_logins",
                column: "expires_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_scan_logins_expires_at",
                table: "scan_logins");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "scan_logins");
        }
    }
}
