using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.DomainVerification;
using Weixin.Inbox.PublicInbox.RateLimits;
using Weixin.Inbox.PublicInbox.Retention;
using Weixin.Inbox.ServiceDefaults.ConfigCheck;

namespace Weixin.Inbox.PublicInbox;

/// <summary>
/// Every setting of the inbox that is checked before it starts (and by <c>check-config</c>): the connection string and
/// each options class with its section. A new options class is added here.
/// </summary>
public static class InboxSettings
{
    /// <summary>Registers the checks; call before <c>AddInboxData</c> (it reads the connection string).</summary>
    public static WebApplicationBuilder CheckInboxSettings(this WebApplicationBuilder builder)
    {
        builder.CheckConnectionStrings(InboxDataExtensions.ConnectionName);
        builder.Services
            .CheckSettings<InboxOptions>(InboxOptions.Section)
            .CheckSettings<DomainVerificationOptions>(DomainVerificationOptions.Section)
            .CheckSettings<RefusedCallbackLimitOptions>(RefusedCallbackLimitOptions.Section)
            .CheckSettings<SigningOptions>(PollerApi.PollerApi.SigningName, PollerApi.PollerApi.SigningName)
            .CheckSettings<AdminOptions>(AdminOptions.Section)
            .CheckSettings<RateLimitOptions>(RateLimitOptions.Section)
            .CheckSettings<RetentionOptions>(RetentionOptions.Section);
        return builder;
    }
}
