using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.CrmApp.Data;

/// <summary>Registration of the CRM database, its readiness check and the key ring kept in it.</summary>
public static class CrmDataExtensions
{
    /// <summary>The runtime connection (least-privilege user: SELECT, INSERT, UPDATE, DELETE).</summary>
    public const string ConnectionName = "Crm";

    /// <summary>The data-protection application name: every CRM instance must use the same one to read the others' cookies.</summary>
    public const string ApplicationName = "Weixin.Inbox.CrmApp";

    public static WebApplicationBuilder AddCrmData(this WebApplicationBuilder builder)
    {
        // Note: read when the context is first built, so a missing string is reported with every other setting before
        // the start (CrmSettings), and `seed` still says what is missing when it needs the database.
        builder.Services.AddDbContext<CrmDbContext>((services, options) =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Crm is not set: the CRM cannot keep accounts and customers without its database.");
            }

            CrmDbContext.Configure(options, connectionString);
        });
        builder.AddDatabaseHealthCheck<CrmDbContext>();
        // Note: the keys of sign-in and antiforgery cookies live in the database, not in a per-user folder, so a cookie
        // issued by one CRM instance is accepted by every other behind the load balancer, and survives a redeploy.
        builder.AddDataProtectionKeys<CrmDbContext>(ApplicationName);
        return builder;
    }
}
