using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// The data-protection key ring (cookies, antiforgery tokens) in the service's database, through
/// <c>Microsoft.AspNetCore.DataProtection.EntityFrameworkCore</c>: every instance on the same database reads the same
/// keys, so a session started on one is valid on the others and survives a restart.
/// </summary>
public static class DataProtectionKeys
{
    /// <summary>The table of the keys, the same shape in every database.</summary>
    public const string Table = "data_protection_keys";

    /// <summary>
    /// Keeps the key ring in <typeparamref name="TContext"/>'s <see cref="Table"/>, isolated by
    /// <paramref name="applicationName"/> (every instance of one service must use the same name).
    /// </summary>
    public static IDataProtectionBuilder AddDataProtectionKeys<TContext>(this IHostApplicationBuilder builder, string applicationName)
        where TContext : DbContext, IDataProtectionKeyContext =>
        builder.Services.AddDataProtection().SetApplicationName(applicationName).PersistKeysToDbContext<TContext>();

    /// <summary>Maps <see cref="DataProtectionKey"/> to <see cref="Table"/> (<c>id</c>, <c>friendly_name</c>, <c>xml</c>).</summary>
    public static ModelBuilder MapDataProtectionKeys(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable(Table);
            e.Property(k => k.Id).HasColumnName("id");
            // Note: "key-{guid}": 40 characters.
            e.Property(k => k.FriendlyName).HasColumnName("friendly_name").HasMaxLength(128);
            e.Property(k => k.Xml).HasColumnName("xml").HasColumnType("text").IsRequired();
        });
        return modelBuilder;
    }
}
