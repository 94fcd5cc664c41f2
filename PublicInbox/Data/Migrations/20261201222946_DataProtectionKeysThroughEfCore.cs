using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.PublicInbox.Data.Migrations
{
    /// <inheritdoc />
    public partial class DataProtectionKeysThroughEfCore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Note: no schema change. EF Core's DataProtectionKey (PersistKeysToDbContext) is mapped onto the table the
            // hand-written key repository created (data_protection_keys: id, friendly_name, xml), so existing deployments
            // keep their keys and admin sessions.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
