using System;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Weixin.Inbox.CrmApp.Data.Migrations
{
    /// <inheritdoc />
    public partial class FollowUpRemindersAndNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "follow_up_reminders",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    customer_id = table.Column<int>(type: "int", nullable: false),
                    assignee_id = table.Column<int>(type: "int", nullable: false),
                    created_by_id = table.Column<int>(type: "int", nullable: false),
                    due_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    note = table.Column<string>(type: "varchar(200)", maxLength: 200, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_follow_up_reminders", x => x.id);
                    table.ForeignKey(
                        name: "fk_follow_up_reminders_assignee",
                        column: x => x.assignee_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_follow_up_reminders_created_by",
                        column: x => x.created_by_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_follow_up_reminders_customer",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "weixin_notifications",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    kind = table.Column<string>(type: "varchar(16)", maxLength: 16, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    idempotency_key = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "utf8mb4_bin")
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    customer_id = table.Column<int>(type: "int", nullable: true),
                    recipient_id = table.Column<int>(type: "int", nullable: false),
                    sender_id = table.Column<int>(type: "int", nullable: true),
                    reminder_id = table.Column<long>(type: "bigint", nullable: true),
                    open_id = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: true, collation: "utf8mb4_bin")
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    summary = table.Column<string>(type: "varchar(500)", maxLength: 500, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    payload = table.Column<string>(type: "text", nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    status = table.Column<string>(type: "varchar(16)", maxLength: 16, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    gateway_message_id = table.Column<long>(type: "bigint", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    last_error = table.Column<string>(type: "varchar(500)", maxLength: 500, nullable: true)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    updated_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    sent_at = table.Column<DateTime>(type: "datetime(6)", nullable: true),
                    sent_as = table.Column<string>(type: "varchar(32)", maxLength: 32, nullable: true)
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_weixin_notifications", x => x.id);
                    table.ForeignKey(
                        name: "fk_weixin_notifications_customer",
                        column: x => x.customer_id,
                        principalTable: "customers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_weixin_notifications_recipient",
                        column: x => x.recipient_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_weixin_notifications_reminder",
                        column: x => x.reminder_id,
                        principalTable: "follow_up_reminders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_weixin_notifications_sender",
                        column: x => x.sender_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "IX_follow_up_reminders_assignee_id",
                table: "follow_up_reminders",
                column: "assignee_id");

            migrationBuilder.CreateIndex(
                name: "IX_follow_up_reminders_created_by_id",
                table: "follow_up_reminders",
                column: "created_by_id");

            migrationBuilder.CreateIndex(
                name: "ix_follow_up_reminders_customer_due",
                table: "follow_up_reminders",
                columns: new[] { "customer_id", "due_at" });

            migrationBuilder.CreateIndex(
                name: "ix_follow_up_reminders_due_at",
                table: "follow_up_reminders",
                column: "due_at");

            migrationBuilder.CreateIndex(
                name: "ix_weixin_notifications_created_at",
                table: "weixin_notifications",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_weixin_notifications_customer_id",
                table: "weixin_notifications",
                column: "customer_id");

            migrationBuilder.CreateIndex(
                name: "IX_weixin_notifications_recipient_id",
                table: "weixin_notifications",
                column: "recipient_id");

            migrationBuilder.CreateIndex(
                name: "IX_weixin_notifications_sender_id",
                table: "weixin_notifications",
                column: "sender_id");

            migrationBuilder.CreateIndex(
                name: "ix_weixin_notifications_status",
                table: "weixin_notifications",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_weixin_notifications_idempotency_key",
                table: "weixin_notifications",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_weixin_notifications_reminder_id",
                table: "weixin_notifications",
                column: "reminder_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "weixin_notifications");

            migrationBuilder.DropTable(
                name: "follow_up_reminders");
        }
    }
}
