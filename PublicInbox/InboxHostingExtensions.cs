using Weixin.Inbox.Contracts.Signing;
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
        builder.Services.AddHostedService<ExpirySweeper>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return builder;
    }
}
