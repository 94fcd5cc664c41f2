using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>Registration of the gateway database.</summary>
public static class GatewayDataExtensions
{
    /// <summary>The runtime connection (a least-privilege user: SELECT, INSERT, UPDATE, DELETE).</summary>
    public const string ConnectionName = "Gateway";

    /// <summary>
    /// Adds <see cref="GatewayDbContext"/> over <c>ConnectionStrings:Gateway</c>, its readiness check and the replay store
    /// of signed requests.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayData(this IHostApplicationBuilder builder)
    {
        // Note: the connection string is read when the context is first built, not here, so tests can still
        // override configuration after Program has run its registrations. Pooled (issue 14): building a context per
        // scope was ~10 % of the inbox's CPU on the message path before its pool; the gateway context has no state of
        // its own beyond what EF resets when a context goes back to the pool.
        builder.Services.AddDbContextPool<GatewayDbContext>((services, options) =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not configured (env ConnectionStrings__{ConnectionName}).");
            }

            GatewayDbContext.Configure(options, connectionString);
        });

        builder.AddDatabaseHealthCheck<GatewayDbContext>();
        builder.AddReplayGuard<GatewayDbContext>();
        return builder;
    }
}
