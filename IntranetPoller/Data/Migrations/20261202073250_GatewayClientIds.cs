using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.IntranetPoller.Data.Migrations
{
    /// <inheritdoc />
    public partial class GatewayClientIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "client_id",
                table: "weixin_logins",
                type: "varchar(32)",
                maxLength: 32,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<string>(
                name: "client_id",
                table: "scan_logins",
                type: "varchar(32)",
                maxLength: 32,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<string>(
                name: "client_id",
                table: "outbox_messages",
                type: "varchar(32)",
                maxLength: 32,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "client_id",
                table: "weixin_logins");

            migrationBuilder.DropColumn(
                name: "client_id",
                table: "scan_logins");

            migrationBuilder.DropColumn(
                name: "client_id",
                table: "outbox_messages");
        }
    }
}
