using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>The inbox database (<c>weixin_inbox</c>).</summary>
public sealed class InboxDbContext : DbContext, IDataProtectionKeyContext
{
    public InboxDbContext(DbContextOptions<InboxDbContext> options)
        : base(options)
    {
        // Note: EF wraps every SaveChanges inside an explicit transaction in a SAVEPOINT and RELEASE SAVEPOINT, two round
        // trips per completion (issue 14's profile: ~2 of 18 statements per message). Nothing here goes on after a failed
        // SaveChanges inside a transaction: every failure rolls the whole transaction back, so the savepoints buy nothing.
        Database.AutoSavepointsEnabled = false;
    }

    /// <summary>MariaDB 10.11 is what we run; fixed so start-up and design time need no connection.</summary>
    public static readonly ServerVersion ServerVersion = new MariaDbServerVersion(new Version(10, 11, 0));

    public DbSet<InboxItem> Items => Set<InboxItem>();
    public DbSet<InboxItemEvent> ItemEvents => Set<InboxItemEvent>();
    public DbSet<PollerSeen> Pollers => Set<PollerSeen>();
    public DbSet<RequestIdRecord> RequestIds => Set<RequestIdRecord>();
    public DbSet<AdminAuditEntry> AdminAudit => Set<AdminAuditEntry>();
    public DbSet<AdminSignInLock> AdminSignInLocks => Set<AdminSignInLock>();
    public DbSet<RetentionRun> RetentionRuns => Set<RetentionRun>();
    public DbSet<CallbackIps.StoredCallbackIps> CallbackIps => Set<CallbackIps.StoredCallbackIps>();
    public DbSet<Callbacks.AnnouncedOAuthState> OAuthStates => Set<Callbacks.AnnouncedOAuthState>();

    /// <summary>The key ring of admin cookies and antiforgery tokens (<c>data_protection_keys</c>), shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Configures the provider the way every part of the service does (runtime, migrate, design time).</summary>
    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(WithoutConnectionReset(connectionString), ServerVersion);

    /// <summary>
    /// <paramref name="connectionString"/> with <c>Connection Reset=false</c>, unless it says otherwise itself.
    /// </summary>
    /// <remarks>
    /// Note: MySqlConnector resets a pooled connection's session each time it is taken from the pool (a reset plus
    /// <c>SET NAMES</c>): 4.7 of the 18 statements per message in issue 14's profile, since every EF operation outside a
    /// transaction opens and closes the connection. The reset only matters to code that leaves session state behind,
    /// and the inbox leaves none: no user variables (<c>SET @…</c>, <c>AllowUserVariables</c> is off), no temporary
    /// tables, no named locks (<c>GET_LOCK</c>), no <c>SET SESSION</c>; the isolation level MySqlConnector sets for a
    /// transaction is <c>SET TRANSACTION ISOLATION LEVEL</c> without SESSION, which covers the next transaction only, and
    /// a transaction still open when a connection goes back to the pool is rolled back by MySqlConnector (it tracks it).
    /// Whoever adds session state must turn this off (or reset it explicitly) in the same change.
    /// </remarks>
    public static string WithoutConnectionReset(string connectionString)
    {
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(connectionString);
        if (!builder.ContainsKey("Connection Reset"))
        {
            builder.ConnectionReset = false;
        }

        return builder.ConnectionString;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<InboxItem>(e =>
        {
            e.ToTable("inbox_items");
            e.Property(i => i.Id).HasColumnName("id");
            e.Property(i => i.Kind).HasColumnName("kind").HasMaxLength(16);
            e.Property(i => i.Status).HasColumnName("status").HasMaxLength(16);
            e.Property(i => i.ReceivedAt).HasColumnName("received_at");
            e.Property(i => i.Deadline).HasColumnName("deadline");
            e.Property(i => i.CorrelationId).HasColumnName("correlation_id").HasMaxLength(32);
            e.Property(i => i.OAuthCode).HasColumnName("oauth_code").HasMaxLength(256);
            e.Property(i => i.OAuthState).HasColumnName("oauth_state").HasMaxLength(128);
            e.Property(i => i.RemoteIp).HasColumnName("remote_ip").HasMaxLength(64);
            e.Property(i => i.UserAgent).HasColumnName("user_agent").HasMaxLength(512);
            e.Property(i => i.CookieHash).HasColumnName("cookie_hash").HasMaxLength(64).IsFixedLength();
            e.Property(i => i.Attempts).HasColumnName("attempts");
            e.Property(i => i.LeaseId).HasColumnName("lease_id").HasMaxLength(32);
            e.Property(i => i.LeasedBy).HasColumnName("leased_by").HasMaxLength(64);
            e.Property(i => i.LeaseUntil).HasColumnName("lease_until");
            e.Property(i => i.ClaimedAt).HasColumnName("claimed_at");
            e.Property(i => i.CompletedAt).HasColumnName("completed_at");
            e.Property(i => i.FailedAt).HasColumnName("failed_at");
            e.Property(i => i.ExpiredAt).HasColumnName("expired_at");
            e.Property(i => i.RedirectedAt).HasColumnName("redirected_at");
            e.Property(i => i.RedirectUrl).HasColumnName("redirect_url").HasMaxLength(2048);
            e.Property(i => i.Outcome).HasColumnName("outcome").HasMaxLength(64);
            e.Property(i => i.Error).HasColumnName("error").HasMaxLength(1024);
            e.Property(i => i.Body).HasColumnName("body").HasColumnType("mediumtext");
            e.Property(i => i.Timestamp).HasColumnName("wx_timestamp").HasMaxLength(16);
            e.Property(i => i.Nonce).HasColumnName("wx_nonce").HasMaxLength(64);
            e.Property(i => i.EncryptType).HasColumnName("wx_encrypt_type").HasMaxLength(16);
            e.Property(i => i.MsgSignature).HasColumnName("wx_msg_signature").HasMaxLength(64);
            e.Property(i => i.OpenId).HasColumnName("open_id").HasMaxLength(64);
            e.Property(i => i.WaitState).HasColumnName("wait_state").HasMaxLength(16);
            e.Property(i => i.ReplyBody).HasColumnName("reply_body").HasColumnType("mediumtext");
            e.Property(i => i.PayloadPurgedAt).HasColumnName("payload_purged_at");
            e.HasIndex(i => i.OpenId).HasDatabaseName("ix_inbox_items_open_id");
            e.HasIndex(i => new { i.Status, i.Id }).HasDatabaseName("ix_inbox_items_status_id");
            e.HasIndex(i => new { i.Status, i.Deadline }).HasDatabaseName("ix_inbox_items_status_deadline");
            e.HasIndex(i => i.ReceivedAt).HasDatabaseName("ix_inbox_items_received_at");
            e.HasIndex(i => i.OAuthState).HasDatabaseName("ix_inbox_items_oauth_state");

            // Note: the admin list pages newest first by id; these keep a filtered page an index walk (see AdminItemQuery).
            e.HasIndex(i => new { i.Kind, i.Id }).HasDatabaseName("ix_inbox_items_kind_id");
            e.HasIndex(i => new { i.Kind, i.Status, i.Id }).HasDatabaseName("ix_inbox_items_kind_status_id");

            // Note: retention finds the next batch of unpurged old payloads without walking the purged ones.
            e.HasIndex(i => new { i.PayloadPurgedAt, i.ReceivedAt }).HasDatabaseName("ix_inbox_items_payload_purged_received");
        });

        modelBuilder.Entity<InboxItemEvent>(e =>
        {
            e.ToTable("inbox_item_events");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.ItemId).HasColumnName("item_id");
            e.Property(x => x.At).HasColumnName("at");
            e.Property(x => x.Type).HasColumnName("type").HasMaxLength(24);
            e.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(64);
            e.Property(x => x.Detail).HasColumnName("detail").HasMaxLength(1024);
            e.HasIndex(x => new { x.ItemId, x.Id }).HasDatabaseName("ix_inbox_item_events_item_id");
        });

        modelBuilder.Entity<PollerSeen>(e =>
        {
            e.ToTable("pollers");
            e.HasKey(p => p.PollerId);
            e.Property(p => p.PollerId).HasColumnName("poller_id").HasMaxLength(64);
            e.Property(p => p.FirstSeenAt).HasColumnName("first_seen_at");
            e.Property(p => p.LastClaimAt).HasColumnName("last_claim_at");
            e.Property(p => p.LastClaimCount).HasColumnName("last_claim_count");
            // Note: at most 10 alerts of 64 + 200 characters and two dates each (checked by the poller API).
            e.Property(p => p.Alerts).HasColumnName("alerts").HasColumnType("text");
        });

        modelBuilder.Entity<AdminAuditEntry>(e =>
        {
            e.ToTable("admin_audit_log");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.At).HasColumnName("at");
            e.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(64);
            e.Property(x => x.Action).HasColumnName("action").HasMaxLength(32);
            e.Property(x => x.RemoteIp).HasColumnName("remote_ip").HasMaxLength(64);
            e.Property(x => x.ItemId).HasColumnName("item_id");
            e.Property(x => x.Detail).HasColumnName("detail").HasMaxLength(1024);
            e.HasIndex(x => new { x.Action, x.Id }).HasDatabaseName("ix_admin_audit_log_action_id");
            e.HasIndex(x => new { x.Actor, x.Id }).HasDatabaseName("ix_admin_audit_log_actor_id");
        });

        modelBuilder.Entity<AdminSignInLock>(e =>
        {
            e.ToTable("admin_sign_in_locks");
            // Note: per name and address, so guesses from the internet cannot lock the office's admin out (issue 13 item 5).
            e.HasKey(x => new { x.UserName, x.RemoteAddress });
            e.Property(x => x.UserName).HasColumnName("user_name").HasMaxLength(64);
            e.Property(x => x.RemoteAddress).HasColumnName("remote_address").HasMaxLength(64);
            e.Property(x => x.Failures).HasColumnName("failures");
            e.Property(x => x.LastFailureAt).HasColumnName("last_failure_at");
            e.Property(x => x.LockedUntil).HasColumnName("locked_until");
        });

        modelBuilder.Entity<RetentionRun>(e =>
        {
            e.ToTable("retention_runs");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.StartedAt).HasColumnName("started_at");
            e.Property(x => x.FinishedAt).HasColumnName("finished_at");
            e.Property(x => x.PayloadCutoff).HasColumnName("payload_cutoff");
            e.Property(x => x.MetadataCutoff).HasColumnName("metadata_cutoff");
            e.Property(x => x.PayloadsPurged).HasColumnName("payloads_purged");
            e.Property(x => x.ItemsDeleted).HasColumnName("items_deleted");
            e.Property(x => x.EventsDeleted).HasColumnName("events_deleted");
            e.HasIndex(x => x.StartedAt).HasDatabaseName("ix_retention_runs_started_at");
        });

        modelBuilder.MapDataProtectionKeys();

        modelBuilder.Entity<RequestIdRecord>(e =>
        {
            e.ToTable("request_ids");
            e.Property(r => r.Id).HasColumnName("id").HasMaxLength(128);
            e.Property(r => r.ExpiresAt).HasColumnName("expires_at");
            e.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_request_ids_expires_at");
        });

        modelBuilder.Entity<Callbacks.SeenCallbackSignature>(e =>
        {
            e.ToTable("callback_signatures");
            e.HasKey(s => new { s.Timestamp, s.Nonce });
            e.Property(s => s.Timestamp).HasColumnName("timestamp").HasMaxLength(16).IsUnicode(false);
            // Note: binary collation: two nonces differing only in case are different nonces.
            e.Property(s => s.Nonce).HasColumnName("nonce").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(s => s.BodySha256).HasColumnName("body_sha256").HasColumnType("binary(32)");
            e.Property(s => s.SeenAt).HasColumnName("seen_at").HasColumnType("datetime(6)");
            e.HasIndex(s => s.SeenAt).HasDatabaseName("ix_callback_signatures_seen_at");
        });

        modelBuilder.Entity<CallbackIps.StoredCallbackIps>(e =>
        {
            e.ToTable("weixin_callback_ips");
            e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            // Note: at most 1000 entries of at most 64 characters (checked by the poller API).
            e.Property(x => x.IpList).HasColumnName("ip_list").HasColumnType("mediumtext");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("datetime(6)");
            e.Property(x => x.PollerId).HasColumnName("poller_id").HasMaxLength(64);
        });

        // Note: owned by Callbacks.OAuthStateStore (the only writer).
        modelBuilder.Entity<Callbacks.AnnouncedOAuthState>(e =>
        {
            e.ToTable("oauth_states");
            e.HasKey(x => x.StateHash);
            e.Property(x => x.StateHash).HasColumnName("state_hash").HasColumnType("binary(32)");
            e.Property(x => x.ExpiresAt).HasColumnName("expires_at").HasColumnType("datetime(6)");
            e.Property(x => x.UsedAt).HasColumnName("used_at").HasColumnType("datetime(6)");
            e.Property(x => x.AnnouncedAt).HasColumnName("announced_at").HasColumnType("datetime(6)");
            e.HasIndex(x => x.ExpiresAt).HasDatabaseName("ix_oauth_states_expires_at");
        });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without a database or the app's configuration.</summary>
public sealed class InboxDbContextDesignTimeFactory : IDesignTimeDbContextFactory<InboxDbContext>
{
    public InboxDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<InboxDbContext>();
        InboxDbContext.Configure(options, "Server=127.0.0.1;Port=3307;Database=weixin_inbox");
        return new InboxDbContext(options.Options);
    }
}
