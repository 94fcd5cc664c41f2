using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IdentityProvider.Data;

/// <summary>Registration of the provider's database, its readiness check and the key ring kept in it.</summary>
public static class IdpDataExtensions
{
    /// <summary>The runtime connection (least-privilege user <c>idp_svc</c>: SELECT, INSERT, UPDATE, DELETE).</summary>
    public const string ConnectionName = "Idp";

    /// <summary>The data-protection application name: every provider instance must use the same one.</summary>
    public const string ApplicationName = "Weixin.Inbox.IdentityProvider";

    public static IHostApplicationBuilder AddIdpData(this IHostApplicationBuilder builder)
    {
        // Note: a factory (which also registers the scoped context OpenIddict's stores use): the key store and its job
        // read keys outside any request.
        builder.Services.AddDbContextFactory<IdpDbContext>((services, options) =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Idp is not set: the provider cannot keep clients, tokens and keys without its database.");
            }

            IdpDbContext.Configure(options, connectionString);
        });
        builder.AddDatabaseHealthCheck<IdpDbContext>();
        // Note: cookies (the SSO session, the login's), antiforgery tokens and the server keys' private halves are protected
        // with this ring; in the database, so every instance reads the others' and a restart keeps them.
        builder.AddDataProtectionKeys<IdpDbContext>(ApplicationName);
        return builder;
    }
}
