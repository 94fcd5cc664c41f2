using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>Registration of the inbox database and its replay store of signed poller requests.</summary>
public static class InboxDataExtensions
{
    /// <summary>The runtime connection (a least-privilege user: SELECT, INSERT, UPDATE, DELETE).</summary>
    public const string ConnectionName = "Inbox";

    public static WebApplicationBuilder AddInboxData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException("ConnectionStrings:Inbox is not set: the inbox cannot store callbacks without its database.");
        // Note: pooled: a request reuses a context (its services, its change tracker) instead of building one, ~10 % of
        // the inbox's CPU per message in issue 14's profile. The constructor's AutoSavepointsEnabled=false is part of
        // the snapshot EF restores each time a context goes back to the pool.
        builder.Services.AddDbContextPool<InboxDbContext>(o => InboxDbContext.Configure(o, connectionString));
        builder.AddReplayGuard<InboxDbContext>();
        builder.Services.AddSingleton<InboxSignals>();
        return builder;
    }

}
