using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;
using Weixin.Inbox.CrmApp.Notifications;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

namespace Weixin.Inbox.CrmApp;

/// <summary>
/// Every setting of the CRM that is checked before it starts (and by <c>check-config</c>): the connection string and
/// each options class with its section. A new options class is added here.
/// </summary>
public static class CrmSettings
{
    /// <summary>Registers the checks.</summary>
    public static WebApplicationBuilder CheckCrmSettings(this WebApplicationBuilder builder)
    {
        builder.CheckConnectionStrings(CrmDataExtensions.ConnectionName);
        builder.Services
            .CheckSettings<GatewayOptions>(GatewayOptions.Section)
            .CheckSettings<AccountOptions>(AccountOptions.Section)
            .CheckSettings<NewDeviceOptions>(NewDeviceOptions.Section)
            .CheckSettings<NotificationOptions>(NotificationOptions.Section);
        return builder;
    }
}
