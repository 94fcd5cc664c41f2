using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using OpenIddict.EntityFrameworkCore.Models;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IdentityProvider.Data;

/// <summary>
/// The provider's database (<c>weixin_idp</c>): OpenIddict's applications (clients), authorizations (remembered
/// consents), scopes and tokens (authorization codes, refresh tokens, their redemption and revocation), through
/// OpenIddict's own EF Core stores (<c>UseOpenIddict()</c>); the server keys; the known devices; the key ring.
/// </summary>
public sealed class IdpDbContext(DbContextOptions<IdpDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>MariaDB 10.11 is what we run; fixed so start-up and design time need no connection.</summary>
    public static readonly ServerVersion ServerVersion = new MariaDbServerVersion(new Version(10, 11, 0));

    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();
    public DbSet<KnownDevice> KnownDevices => Set<KnownDevice>();

    /// <summary>The key ring of cookies, antiforgery tokens and the protected server keys, shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        // Note: UseOpenIddict adds OpenIddict's entities (string keys) to the model: its stores work over this context.
        options.UseMySql(connectionString, ServerVersion).UseOpenIddict();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Note: OpenIddict's model customizer has configured its entities before this runs; only names and sizes change here.
        // Ids are GUID strings (36 characters); 64 keeps the (ApplicationId, Status, Subject, Type) index of tokens and
        // authorizations within InnoDB's 3072-byte key limit in utf8mb4 (Pomelo's default of 255 for a key would not).
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>(e =>
        {
            e.ToTable("oidc_applications");
            e.Property(a => a.Id).HasMaxLength(64);
        });
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreAuthorization>(e =>
        {
            e.ToTable("oidc_authorizations");
            e.Property(a => a.Id).HasMaxLength(64);
            e.Property<string>("ApplicationId").HasMaxLength(64);
        });
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreScope>(e =>
        {
            e.ToTable("oidc_scopes");
            e.Property(s => s.Id).HasMaxLength(64);
        });
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreToken>(e =>
        {
            e.ToTable("oidc_tokens");
            e.Property(t => t.Id).HasMaxLength(64);
            e.Property<string>("ApplicationId").HasMaxLength(64);
            e.Property<string>("AuthorizationId").HasMaxLength(64);
        });

        modelBuilder.Entity<ServerKey>(e =>
        {
            e.ToTable("server_keys");
            e.Property(k => k.Id).HasColumnName("id");
            e.Property(k => k.Use).HasColumnName("use").HasMaxLength(8).UseCollation("ascii_bin");
            e.Property(k => k.KeyId).HasColumnName("key_id").HasMaxLength(64).UseCollation("ascii_bin");
            e.Property(k => k.ProtectedKey).HasColumnName("protected_key").HasColumnType("text");
            e.Property(k => k.CreatedAt).HasColumnName("created_at");
            e.Property(k => k.ActivatesAt).HasColumnName("activates_at");
            e.Property(k => k.RetiresAt).HasColumnName("retires_at");
            e.Property(k => k.ExpiresAt).HasColumnName("expires_at");
            e.HasIndex(k => k.KeyId).IsUnique().HasDatabaseName("ux_server_keys_key_id");
        });

        modelBuilder.Entity<KnownDevice>(e =>
        {
            e.ToTable("known_devices");
            e.Property(d => d.Id).HasColumnName("id");
            // Note: openids are case-sensitive; the database's default collation would treat two as one.
            e.Property(d => d.OpenId).HasColumnName("open_id").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(d => d.DeviceHash).HasColumnName("device_hash").HasMaxLength(64).IsFixedLength().UseCollation("ascii_bin");
            e.Property(d => d.Label).HasColumnName("label").HasMaxLength(64);
            e.Property(d => d.CreatedAt).HasColumnName("created_at");
            e.Property(d => d.LastSeenAt).HasColumnName("last_seen_at");
            // Note: unique, so a device is known once per WeChat user whatever two tabs race (DeviceStore upserts on it).
            e.HasIndex(d => new { d.OpenId, d.DeviceHash }).IsUnique().HasDatabaseName("ux_known_devices_open_id_device");
        });

        modelBuilder.MapDataProtectionKeys();
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without a database or the app's configuration.</summary>
public sealed class IdpDbContextDesignTimeFactory : IDesignTimeDbContextFactory<IdpDbContext>
{
    public IdpDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<IdpDbContext>();
        IdpDbContext.Configure(options, "Server=127.0.0.1;Port=3307;Database=weixin_idp");
        return new IdpDbContext(options.Options);
    }
}
