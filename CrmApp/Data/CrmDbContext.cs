using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.CrmApp.Data;

/// <summary>The CRM database (<c>crm</c>).</summary>
public sealed class CrmDbContext(DbContextOptions<CrmDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>MariaDB 10.11 is what we run; fixed so start-up and design time need no connection.</summary>
    public static readonly ServerVersion ServerVersion = new MariaDbServerVersion(new Version(10, 11, 0));

    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<FollowUpNote> Notes => Set<FollowUpNote>();
    public DbSet<RequestIdRecord> RequestIds => Set<RequestIdRecord>();
    public DbSet<FollowUpReminder> Reminders => Set<FollowUpReminder>();
    public DbSet<WeixinNotification> Notifications => Set<WeixinNotification>();
    public DbSet<AccountDevice> AccountDevices => Set<AccountDevice>();

    /// <summary>The key ring of sign-in and antiforgery cookies (<c>data_protection_keys</c>), shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(connectionString, ServerVersion);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Account>(e =>
        {
            e.ToTable("accounts");
            e.Property(a => a.Id).HasColumnName("id");
            e.Property(a => a.UserName).HasColumnName("user_name").HasMaxLength(32);
            e.Property(a => a.DisplayName).HasColumnName("display_name").HasMaxLength(32);
            e.Property(a => a.PasswordHash).HasColumnName("password_hash").HasMaxLength(256);
            // Note: openids are case-sensitive; the database's default collation (utf8mb4_unicode_ci) would treat two as one.
            e.Property(a => a.WeixinOpenId).HasColumnName("weixin_open_id").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(a => a.WeixinNickname).HasColumnName("weixin_nickname").HasMaxLength(64);
            e.Property(a => a.WeixinHeadImgUrl).HasColumnName("weixin_head_img_url").HasMaxLength(512);
            e.Property(a => a.WeixinBoundAt).HasColumnName("weixin_bound_at");
            e.Property(a => a.FailedLoginCount).HasColumnName("failed_login_count");
            e.Property(a => a.LockoutEndsAt).HasColumnName("lockout_ends_at");
            e.Property(a => a.CreatedAt).HasColumnName("created_at");
            e.Property(a => a.LastLoginAt).HasColumnName("last_login_at");
            e.Property(a => a.Role).HasColumnName("role").HasMaxLength(16).HasDefaultValue(AccountRoles.Sales);
            e.Property(a => a.Status).HasColumnName("status").HasMaxLength(16).HasDefaultValue(AccountStatuses.Active);
            // Note: existing rows get '' (one shared stamp until their first renewal); new rows get a random one from the app.
            e.Property(a => a.SecurityStamp).HasColumnName("security_stamp").HasMaxLength(32).HasDefaultValue("");
            e.HasIndex(a => a.UserName).IsUnique().HasDatabaseName("ux_accounts_user_name");
            // Note: unique, so two accounts can never share a WeChat user, whatever races the pages lose (NULLs may repeat).
            e.HasIndex(a => a.WeixinOpenId).IsUnique().HasDatabaseName("ux_accounts_weixin_open_id");
        });

        modelBuilder.Entity<AccountDevice>(e =>
        {
            e.ToTable("account_devices");
            e.Property(d => d.Id).HasColumnName("id");
            e.Property(d => d.AccountId).HasColumnName("account_id");
            e.Property(d => d.DeviceHash).HasColumnName("device_hash").HasMaxLength(64).IsFixedLength().UseCollation("ascii_bin");
            e.Property(d => d.Label).HasColumnName("label").HasMaxLength(64);
            e.Property(d => d.CreatedAt).HasColumnName("created_at");
            e.Property(d => d.LastSeenAt).HasColumnName("last_seen_at");
            e.HasOne(d => d.Account).WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_account_devices_account");
            // Note: unique, so a device is known once per account whatever races two tabs run (DeviceStore upserts on it).
            e.HasIndex(d => new { d.AccountId, d.DeviceHash }).IsUnique().HasDatabaseName("ux_account_devices_account_device");
        });

        modelBuilder.MapDataProtectionKeys();

        modelBuilder.Entity<RequestIdRecord>(e =>
        {
            e.ToTable("request_ids");
            e.Property(r => r.Id).HasColumnName("id").HasMaxLength(128);
            e.Property(r => r.ExpiresAt).HasColumnName("expires_at");
            e.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_request_ids_expires_at");
        });

        modelBuilder.Entity<Customer>(e =>
        {
            e.ToTable("customers");
            e.Property(c => c.Id).HasColumnName("id");
            e.Property(c => c.Name).HasColumnName("name").HasMaxLength(32);
            e.Property(c => c.Company).HasColumnName("company").HasMaxLength(64);
            e.Property(c => c.Phone).HasColumnName("phone").HasMaxLength(20);
            e.Property(c => c.OwnerId).HasColumnName("owner_id");
            e.Property(c => c.CreatedAt).HasColumnName("created_at");
            e.HasOne(c => c.Owner).WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.SetNull)
                .HasConstraintName("fk_customers_owner");
            e.HasIndex(c => c.Name).HasDatabaseName("ix_customers_name");
            e.HasIndex(c => c.OwnerId).HasDatabaseName("ix_customers_owner_id");
        });

        modelBuilder.Entity<FollowUpNote>(e =>
        {
            e.ToTable("follow_up_notes");
            e.Property(n => n.Id).HasColumnName("id");
            e.Property(n => n.CustomerId).HasColumnName("customer_id");
            e.Property(n => n.AuthorId).HasColumnName("author_id");
            e.Property(n => n.Content).HasColumnName("content").HasMaxLength(1000);
            e.Property(n => n.CreatedAt).HasColumnName("created_at");
            e.HasOne(n => n.Customer).WithMany(c => c.Notes).HasForeignKey(n => n.CustomerId).OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_follow_up_notes_customer");
            e.HasOne(n => n.Author).WithMany().HasForeignKey(n => n.AuthorId).OnDelete(DeleteBehavior.Restrict)
                .HasConstraintName("fk_follow_up_notes_author");
            e.HasIndex(n => new { n.CustomerId, n.CreatedAt }).HasDatabaseName("ix_follow_up_notes_customer_created");
        });

        modelBuilder.Entity<FollowUpReminder>(e =>
        {
            e.ToTable("follow_up_reminders");
            e.Property(r => r.Id).HasColumnName("id");
            e.Property(r => r.CustomerId).HasColumnName("customer_id");
            e.Property(r => r.AssigneeId).HasColumnName("assignee_id");
            e.Property(r => r.CreatedById).HasColumnName("created_by_id");
            e.Property(r => r.DueAt).HasColumnName("due_at");
            e.Property(r => r.Note).HasColumnName("note").HasMaxLength(200);
            e.Property(r => r.CreatedAt).HasColumnName("created_at");
            e.HasOne(r => r.Customer).WithMany().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Cascade)
                .HasConstraintName("fk_follow_up_reminders_customer");
            e.HasOne(r => r.Assignee).WithMany().HasForeignKey(r => r.AssigneeId).OnDelete(DeleteBehavior.Restrict)
                .HasConstraintName("fk_follow_up_reminders_assignee");
            e.HasOne(r => r.CreatedBy).WithMany().HasForeignKey(r => r.CreatedById).OnDelete(DeleteBehavior.Restrict)
                .HasConstraintName("fk_follow_up_reminders_created_by");
            e.HasIndex(r => new { r.CustomerId, r.DueAt }).HasDatabaseName("ix_follow_up_reminders_customer_due");
            // Note: the job looks for due reminders by time.
            e.HasIndex(r => r.DueAt).HasDatabaseName("ix_follow_up_reminders_due_at");
        });

        modelBuilder.Entity<WeixinNotification>(e =>
        {
            e.ToTable("weixin_notifications");
            e.Property(n => n.Id).HasColumnName("id");
            e.Property(n => n.Kind).HasColumnName("kind").HasMaxLength(16);
            e.Property(n => n.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(n => n.CustomerId).HasColumnName("customer_id");
            e.Property(n => n.RecipientId).HasColumnName("recipient_id");
            e.Property(n => n.SenderId).HasColumnName("sender_id");
            e.Property(n => n.ReminderId).HasColumnName("reminder_id");
            e.Property(n => n.OpenId).HasColumnName("open_id").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(n => n.Summary).HasColumnName("summary").HasMaxLength(500);
            e.Property(n => n.Payload).HasColumnName("payload").HasColumnType("text");
            e.Property(n => n.Status).HasColumnName("status").HasMaxLength(16);
            e.Property(n => n.GatewayMessageId).HasColumnName("gateway_message_id");
            e.Property(n => n.Attempts).HasColumnName("attempts");
            e.Property(n => n.LastError).HasColumnName("last_error").HasMaxLength(500);
            e.Property(n => n.CreatedAt).HasColumnName("created_at");
            e.Property(n => n.UpdatedAt).HasColumnName("updated_at");
            e.Property(n => n.SentAt).HasColumnName("sent_at");
            e.Property(n => n.SentAs).HasColumnName("sent_as").HasMaxLength(32);
            e.HasOne(n => n.Customer).WithMany().HasForeignKey(n => n.CustomerId).OnDelete(DeleteBehavior.SetNull)
                .HasConstraintName("fk_weixin_notifications_customer");
            e.HasOne(n => n.Recipient).WithMany().HasForeignKey(n => n.RecipientId).OnDelete(DeleteBehavior.Restrict)
                .HasConstraintName("fk_weixin_notifications_recipient");
            e.HasOne(n => n.Sender).WithMany().HasForeignKey(n => n.SenderId).OnDelete(DeleteBehavior.Restrict)
                .HasConstraintName("fk_weixin_notifications_sender");
            e.HasOne(n => n.Reminder).WithOne(r => r.Notification).HasForeignKey<WeixinNotification>(n => n.ReminderId)
                .OnDelete(DeleteBehavior.SetNull).HasConstraintName("fk_weixin_notifications_reminder");
            e.HasIndex(n => n.IdempotencyKey).IsUnique().HasDatabaseName("ux_weixin_notifications_idempotency_key");
            // Note: unique, so two CRM instances racing on one due reminder write one message, never two (NULLs may repeat).
            e.HasIndex(n => n.ReminderId).IsUnique().HasDatabaseName("ux_weixin_notifications_reminder_id");
            e.HasIndex(n => new { n.Status, n.Id }).HasDatabaseName("ix_weixin_notifications_status");
            e.HasIndex(n => n.CreatedAt).HasDatabaseName("ix_weixin_notifications_created_at");
        });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without a database or the app's configuration.</summary>
public sealed class CrmDbContextDesignTimeFactory : IDesignTimeDbContextFactory<CrmDbContext>
{
    public CrmDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CrmDbContext>();
        CrmDbContext.Configure(options, "Server=127.0.0.1;Port=3307;Database=crm");
        return new CrmDbContext(options.Options);
    }
}
