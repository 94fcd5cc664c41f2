using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.CallbackIps;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Push;
using Weixin.Inbox.IntranetPoller.ScanLogin;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

namespace Weixin.Inbox.IntranetPoller;

/// <summary>
/// Every setting of the poller and gateway that is checked before it starts (and by <c>check-config</c>): the
/// connection string and each options class with its section. A new options class is added here.
/// </summary>
public static class PollerSettings
{
    /// <summary>Registers the checks.</summary>
    public static IHostApplicationBuilder CheckPollerSettings(this IHostApplicationBuilder builder)
    {
        builder.CheckConnectionStrings(GatewayDataExtensions.ConnectionName);
        builder.Services
            .CheckSettings<WeixinOptions>(WeixinOptions.Section)
            .CheckSettings<OAuthOptions>(OAuthOptions.Section)
            .CheckSettings<PollerOptions>(PollerOptions.Section)
            .CheckSettings<SigningOptions>(InboxPollingExtensions.SigningName, InboxPollingExtensions.SigningName)
            .CheckSettings<SigningClientsOptions>(GatewayApi.SigningName, GatewayApi.SigningName)
            .CheckSettings<MessagesOptions>(MessagesOptions.Section)
            .CheckSettings<CrmHookOptions>(CrmHookOptions.Section)
            .CheckSettings<CallbackIpsOptions>(CallbackIpsOptions.Section)
            .CheckSettings<ScanLoginRetentionOptions>(ScanLoginRetentionOptions.Section)
            .CheckSettings<PushOptions>(PushOptions.Section);
        return builder;
    }
}
