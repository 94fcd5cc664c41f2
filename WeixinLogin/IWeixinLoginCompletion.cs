using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.WeixinLogin;

/// <summary>
/// What an app does once the gateway vouched for a WeChat user (a redeemed ticket): the part that differs between the
/// apps (the CRM signs a bound account in or goes on to 「绑定」; the identity provider starts its SSO session). The
/// shared pages call it; the app implements it and keeps its own tables.
/// </summary>
public interface IWeixinLoginCompletion
{
    /// <summary>
    /// Finishes the login of <paramref name="user"/> and answers the local URL the browser goes to next.
    /// </summary>
    /// <param name="http">The request (its response gets the cookies).</param>
    /// <param name="user">The WeChat user of the redeemed ticket.</param>
    /// <param name="returnUrl">Where the login was going (checked to be local before it is followed).</param>
    /// <param name="confirmedByNumber">True when the user also confirmed this login with the two-digit number in the
    /// 公众号 chat (scan logins always do).</param>
    /// <param name="returnUrlCheck">The page's URL helper, for apps that check return URLs with it.</param>
    Task<string> CompleteAsync(HttpContext http, WeixinUser user, string returnUrl, bool confirmedByNumber, IUrlHelper returnUrlCheck);

    /// <summary>The app's Chinese message for the <c>error=</c> value <paramref name="code"/> of <c>/login/weixin/confirm</c> (<see cref="ConfirmErrors"/>).</summary>
    string DescribeConfirmError(string? code);
}

/// <summary>The <c>error=</c> values of <c>/login/weixin/confirm</c> when no confirmation could be started.</summary>
public static class ConfirmErrors
{
    /// <summary>The gateway could not be reached.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The gateway said no (configuration mismatch).</summary>
    public const string Refused = "refused";
}
