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
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Crm is not set: the CRM cannot keep accounts and customers without its database.");
        }

        builder.Services.AddDbContext<CrmDbContext>(o => CrmDbContext.Configure(o, connectionString));
        builder.AddDatabaseHealthCheck<CrmDbContext>();
        // Note: the keys of sign-in and antiforgery cookies live in the database, not in a per-user folder, so a cookie
        // issued by one CRM instance is accepted by every other behind the load balancer, and survives a redeploy.
        builder.AddDataProtectionKeys<CrmDbContext>(ApplicationName);
        return builder;
    }
}
