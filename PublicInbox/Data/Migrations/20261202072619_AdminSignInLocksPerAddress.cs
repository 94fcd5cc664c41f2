using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.PublicInbox.Data.Migrations
{
    /// <inheritdoc />
    public partial class AdminSignInLocksPerAddress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Note: the old per-name counts belong to no address; dropping them lifts a lock a stranger may have put on
            // the office's admin (they are at most Admin:LockoutDuration old anyway).
            migrationBuilder.Sql("DELETE FROM admin_sign_in_locks;");

            migrationBuilder.DropPrimaryKey(
                name: "PK_admin_sign_in_locks",
                table: "admin_sign_in_locks");

            migrationBuilder.AddColumn<string>(
                name: "remote_address",
                table: "admin_sign_in_locks",
                type: "varchar(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddPrimaryKey(
                name: "PK_admin_sign_in_locks",
                table: "admin_sign_in_locks",
                columns: new[] { "user_name", "remote_address" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Note: one name may have rows for several addresses, which the old key cannot hold.
            migrationBuilder.Sql("DELETE FROM admin_sign_in_locks;");

            migrationBuilder.DropPrimaryKey(
                name: "PK_admin_sign_in_locks",
                table: "admin_sign_in_locks");

            migrationBuilder.DropColumn(
                name: "remote_address",
                table: "admin_sign_in_locks");

            migrationBuilder.AddPrimaryKey(
                name: "PK_admin_sign_in_locks",
                table: "admin_sign_in_locks",
                column: "user_name");
        }
    }
}
