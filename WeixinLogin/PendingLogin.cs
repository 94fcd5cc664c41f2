namespace Weixin.Inbox.WeixinLogin;

/// <summary>
/// A login started with the gateway: its id (needed to redeem the ticket) and where to go afterwards. The same shape
/// serves a phone OAuth login, a desktop scan login and a number confirmation (all three redeem a ticket by id).
/// </summary>
/// <param name="LoginId">The gateway's login id (OAuth login, scan login or device confirmation).</param>
/// <param name="ReturnUrl">Where the browser was going.</param>
/// <param name="ExpectedOpenId">For a number confirmation: the WeChat user it was asked of; the redeemed ticket must be theirs.</param>
public sealed record PendingLogin(string LoginId, string ReturnUrl, string? ExpectedOpenId = null);

/// <summary>
/// The app's short-lived, data-protected cookie that holds this browser's <see cref="PendingLogin"/> (path
/// <c>/login/weixin</c>); each app names it (<c>crm_wx_login</c>, <c>idp_wx_login</c>) and keeps its own purpose.
/// </summary>
public interface IPendingLoginCookie
{
    void SetLogin(HttpContext http, PendingLogin login, DateTimeOffset expiresAt);

    /// <summary>This browser's pending login, or null (no cookie, expired, or not made by this app).</summary>
    PendingLogin? ReadLogin(HttpContext http);

    void ClearLogin(HttpContext http);
}
