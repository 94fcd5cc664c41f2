using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// The gateway database (<c>weixin_gateway</c>): logins, the WeChat user directory, handled messages, the
/// access_token, the push outbox, the replay store.
/// </summary>
public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options)
{
    /// <summary>
    /// Fixed server version: no AutoDetect, so neither start-up nor design time needs a live server.
    /// </summary>
    public static readonly ServerVersion ServerVersion = new MariaDbServerVersion(new Version(10, 11, 0));

    /// <summary>Longest <c>weixin_messages.dedup_key</c>; longer keys are stored as their SHA-256.</summary>
    public const int MaxDedupKeyLength = 200;

    /// <summary>Started logins (<c>weixin_logins</c>).</summary>
    public DbSet<WeixinLogin> Logins => Set<WeixinLogin>();

    /// <summary>The WeChat user directory (<c>weixin_users</c>).</summary>
    public DbSet<WeixinUserEntry> Users => Set<WeixinUserEntry>();

    /// <summary>Handled WeChat messages and events, with their reply and its delivery (<c>weixin_messages</c>).</summary>
    public DbSet<WeixinMessageEntry> Messages => Set<WeixinMessageEntry>();

    /// <summary>The account's access_token (<c>access_tokens</c>).</summary>
    public DbSet<AccessTokenEntry> AccessTokens => Set<AccessTokenEntry>();

    /// <summary>The push outbox (<c>outbox_messages</c>).</summary>
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    /// <summary>Recently seen signed request ids (<c>request_ids</c>).</summary>
    public DbSet<RequestIdEntry> RequestIds => Set<RequestIdEntry>();

    /// <summary>Desktop scan logins (<c>scan_logins</c>; only <c>ScanLogin/ScanLoginStore</c> touches them).</summary>
    public DbSet<ScanLogin.ScanLoginEntry> ScanLogins => Set<ScanLogin.ScanLoginEntry>();

    /// <summary>Configures the provider the way every part of the service does (runtime, migrate, design time).</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(connectionString, ServerVersion);

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Note: every time is stored as UTC in datetime(6); the offset is normalised on the way in and restored as +00:00.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcConverter>().HaveColumnType("datetime(6)");
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Note: nicknames carry emoji, so the text columns are utf8mb4; ids and hashes are ascii_bin below,
        // because base64url values are case-sensitive and a *_ci collation would make "aB" equal "Ab".
        modelBuilder.HasCharSet("utf8mb4").UseCollation("utf8mb4_unicode_ci");

        modelBuilder.Entity<WeixinLogin>(login =>
        {
            login.ToTable("weixin_logins");
            login.HasKey(l => l.Id);
            login.Property(l => l.Id).HasMaxLength(43).IsAscii();
            login.Property(l => l.State).HasMaxLength(43).IsAscii();
            login.HasIndex(l => l.State).IsUnique();
            login.Property(l => l.ReturnUrl).HasMaxLength(2048);
            login.Property(l => l.ErrorUrl).HasMaxLength(2048);
            login.Property(l => l.Status).HasMaxLength(16).IsAscii();
            login.Property(l => l.OpenId).HasMaxLength(64).IsAscii();
            login.Property(l => l.TicketHash).HasMaxLength(64).IsFixedLength().IsAscii();
            login.Property(l => l.ErrorCode).HasMaxLength(32).IsAscii();
            login.Property(l => l.ClientId).HasMaxLength(32).IsAscii();
        });

        modelBuilder.Entity<ScanLogin.ScanLoginEntry>(scan =>
        {
            scan.ToTable("scan_logins");
            scan.HasKey(l => l.Id);
            scan.Property(l => l.Id).HasMaxLength(43).IsAscii();
            scan.Property(l => l.Scene).HasMaxLength(64).IsAscii();
            scan.HasIndex(l => l.Scene).IsUnique();
            // Note: rows from before device confirmations are all QR-code logins.
            scan.Property(l => l.Kind).HasMaxLength(8).IsAscii().HasDefaultValue(ScanLogin.ScanLoginKinds.Scan);
            scan.Property(l => l.State).HasMaxLength(16).IsAscii();
            scan.Property(l => l.ReturnUrl).HasMaxLength(2048);
            scan.Property(l => l.OpenId).HasMaxLength(64).IsAscii();
            // Note: the confirmation looks up the scanned login of the user who sent a number.
            scan.HasIndex(l => new { l.OpenId, l.State });
            scan.Property(l => l.CorrelationId).HasMaxLength(64).IsAscii();
            scan.Property(l => l.ClientId).HasMaxLength(32).IsAscii();
            // Note: retention deletes by expiry.
            scan.HasIndex(l => l.ExpiresAt);
        });

        modelBuilder.Entity<WeixinUserEntry>(user =>
        {
            user.ToTable("weixin_users");
            user.HasKey(u => u.OpenId);
            user.Property(u => u.OpenId).HasMaxLength(64).IsAscii();
            user.Property(u => u.UnionId).HasMaxLength(64).IsAscii();
            user.Property(u => u.Nickname).HasMaxLength(256);
            user.Property(u => u.HeadImgUrl).HasMaxLength(1024);
            user.Property(u => u.Province).HasMaxLength(64);
            user.Property(u => u.City).HasMaxLength(64);
            user.Property(u => u.Country).HasMaxLength(64);
        });

        modelBuilder.Entity<WeixinMessageEntry>(message =>
        {
            message.ToTable("weixin_messages");
            message.HasKey(m => m.DedupKey);
            message.Property(m => m.DedupKey).HasMaxLength(MaxDedupKeyLength).IsAscii();
            message.Property(m => m.CorrelationId).HasMaxLength(64).IsAscii();
            message.Property(m => m.OpenId).HasMaxLength(64).IsAscii();
            message.Property(m => m.MsgType).HasMaxLength(32).IsAscii();
            message.Property(m => m.Event).HasMaxLength(64).IsAscii();
            message.Property(m => m.Status).HasMaxLength(16).IsAscii();
            message.Property(m => m.ReplyXml).HasColumnType("text");
            message.Property(m => m.DeliveredVia).HasMaxLength(16).IsAscii();
            message.Property(m => m.LastError).HasMaxLength(512);
            message.HasIndex(m => new { m.Status, m.NextAttemptAt });
        });

        modelBuilder.Entity<AccessTokenEntry>(token =>
        {
            token.ToTable("access_tokens");
            token.HasKey(t => t.AppId);
            token.Property(t => t.AppId).HasMaxLength(64).IsAscii();
            token.Property(t => t.Token).HasMaxLength(512).IsAscii();
        });

        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox_messages");
            message.HasKey(m => m.Id);
            message.Property(m => m.IdempotencyKey).HasMaxLength(64).IsAscii();
            message.HasIndex(m => m.IdempotencyKey).IsUnique();
            message.Property(m => m.OpenId).HasMaxLength(64).IsAscii();
            message.Property(m => m.Kind).HasMaxLength(24).IsAscii();
            message.Property(m => m.Payload).HasColumnType("mediumtext");
            message.Property(m => m.PayloadHash).HasMaxLength(64).IsFixedLength().IsAscii();
            message.Property(m => m.Status).HasMaxLength(16).IsAscii();
            message.Property(m => m.ClaimedBy).HasMaxLength(100);
            message.Property(m => m.InFlightAs).HasMaxLength(24).IsAscii();
            message.Property(m => m.LastError).HasMaxLength(512);
            message.Property(m => m.SentAs).HasMaxLength(24).IsAscii();
            message.Property(m => m.CorrelationId).HasMaxLength(64).IsAscii();
            message.Property(m => m.ClientId).HasMaxLength(32).IsAscii();
            // Note: the claim looks for due queued rows and lapsed leases; the rate limit counts recent attempts;
            // the list pages by status, newest first.
            message.HasIndex(m => new { m.Status, m.NextAttemptAt });
            message.HasIndex(m => new { m.Status, m.LeaseUntil });
            message.HasIndex(m => m.LastAttemptAt);
            message.HasIndex(m => new { m.Status, m.Id });
        });

        modelBuilder.Entity<RequestIdEntry>(request =>
        {
            request.ToTable("request_ids");
            request.HasKey(r => r.Id);
            request.Property(r => r.Id).HasMaxLength(128).IsAscii();
            request.HasIndex(r => r.ExpiresAt);
        });

        ApplySnakeCaseNames(modelBuilder);
    }

    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName("pk_" + entity.GetTableName());
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join('_', index.Properties.Select(p => ToSnakeCase(p.Name)))}");
            }
        }
    }

    private static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    // Note: internal, not private: the compiled model (Data/CompiledModel, db/compile-models.sh) creates it.
    internal sealed class UtcConverter() : ValueConverter<DateTimeOffset, DateTime>(
        value => value.UtcDateTime,
        value => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)));
}

/// <summary>Column helpers for case-sensitive ASCII identifiers.</summary>
internal static class GatewayModelExtensions
{
    /// <summary>ASCII with binary (case-sensitive) collation: for random ids, hashes and WeChat openids.</summary>
    public static Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<T> IsAscii<T>(
        this Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<T> property) =>
        property.HasCharSet("ascii").UseCollation("ascii_bin");
}
