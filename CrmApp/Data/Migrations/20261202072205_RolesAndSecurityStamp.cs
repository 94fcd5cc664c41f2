using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.CrmApp.Data.Migrations
{
    /// <inheritdoc />
    public partial class RolesAndSecurityStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "role",
                table: "accounts",
                type: "varchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "sales")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "security_stamp",
                table: "accounts",
                type: "varchar(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "status",
                table: "accounts",
                type: "varchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "active")
                .Annotation("MySql:CharSet", "utf8mb4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "role",
                table: "accounts");

            migrationBuilder.DropColumn(
                name: "security_stamp",
                table: "accounts");

            migrationBuilder.DropColumn(
                name: "status",
                table: "accounts");
        }
    }
}
