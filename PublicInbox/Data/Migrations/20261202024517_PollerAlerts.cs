using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.PublicInbox.Data.Migrations
{
    /// <inheritdoc />
    public partial class PollerAlerts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Note: the WeChat conditions (48001, 40164) a poller reports with its claims, as JSON; null when none.
            migrationBuilder.AddColumn<string>(
                name: "alerts",
                table: "pollers",
                type: "text",
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "alerts",
                table: "pollers");
        }
    }
}
