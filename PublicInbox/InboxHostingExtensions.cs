using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.PollerApi;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox;

/// <summary>Options and background services of the inbox.</summary>
public static class InboxHostingExtensions
{
    public static WebApplicationBuilder AddInbox(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSigningOptions(PollerApi.PollerApi.SigningName, PollerApi.PollerApi.SigningName);
        builder.Services.AddProblemDetails();
        builder.Services.AddScoped<ItemStore>();
        builder.Services.AddSingleton<ItemIngest>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ItemIngest>());
        Callbacks.CallbackSignaturePurgeJob.Register(builder.Services);
        Callbacks.OAuthCallbackApi.AddOAuthCallback(builder.Services);
        builder.Services.AddHostedService<ExpirySweeper>();
        builder.Services.AddBrowserPages();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return builder;
    }

    /// <summary>
    /// Believes <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from <c>Inbox:TrustedProxies</c> only. Call first
    /// in the pipeline, so logs, the admin allow-list and the audit log see the client's address.
    /// </summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        var proxies = app.Configuration.GetSection(InboxOptions.Section + ":" + nameof(InboxOptions.TrustedProxies)).Get<string[]>() ?? [];
        if (proxies.Length == 0)
        {
            // Note: without a configured proxy the headers are not read at all; ASP.NET's defaults would trust any
            // loopback peer, and a client could then choose its own address for the allow-list.
            return app;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = 1 };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in proxies)
        {
            if (IPAddress.TryParse(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
        }

        app.UseForwardedHeaders(options);
        return app;
    }
}
