using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.IdentityProvider.Keys;
using Weixin.Inbox.IdentityProvider.Oidc;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

namespace Weixin.Inbox.IdentityProvider;

/// <summary>
/// Every setting of the provider that is checked before it starts (and by <c>check-config</c>): the connection string
/// and each options class with its section. A new options class is added here.
/// </summary>
public static class IdpSettings
{
    public static WebApplicationBuilder CheckIdpSettings(this WebApplicationBuilder builder)
    {
        builder.CheckConnectionStrings(IdpDataExtensions.ConnectionName);
        builder.Services
            .CheckSettings<OidcOptions>(OidcOptions.Section)
            .CheckSettings<GatewayOptions>(GatewayOptions.Section)
            .CheckSettings<NewDeviceOptions>(NewDeviceOptions.Section)
            .CheckSettings<ServerKeyOptions>(ServerKeyOptions.Section);
        return builder;
    }
}
