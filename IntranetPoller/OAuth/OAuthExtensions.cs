using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Users;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>Registration of the OAuth login processing.</summary>
public static class OAuthExtensions
{
    /// <summary>Adds <see cref="OAuthOptions"/> and <see cref="OAuthItemHandler"/> as the handler of <c>oauth</c> items.</summary>
    public static IHostApplicationBuilder AddOAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OAuthOptions>()
            .BindConfiguration(OAuthOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddUserDirectory();
        builder.Services.AddScoped<OAuthItemHandler>();
        builder.Services.AddKeyedScoped<IItemHandler>(InboxItemKinds.OAuth, static (services, _) => services.GetRequiredService<OAuthItemHandler>());
        return builder;
    }
}
