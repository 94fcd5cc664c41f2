namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>
/// Codes carried back to the application's login page as <c>err=</c>, and the Chinese text to show for each.
/// Only codes travel in URLs: showing text taken from a URL would let anyone put words on our login page.
/// </summary>
public static class LoginErrors
{
    /// <summary>
    /// The user pressed 「拒绝」 on WeChat's authorize page. Only seen when WeChat redirects after a refusal (the old
    /// documented behaviour); today's WeChat keeps the user on its page and nothing comes back.
    /// </summary>
    public const string Denied = "denied";

    /// <summary>
    /// WeChat opened the page in 快照页模式 (snapshot mode) and answered a virtual user (<c>is_snapshotuser: 1</c>):
    /// nobody is signed in; the user taps 「使用完整服务」 and logs in again.
    /// </summary>
    public const string SnapshotUser = "snapshot_user";

    /// <summary>The OAuth code was already used (WeChat 40163).</summary>
    public const string CodeUsed = "code_used";

    /// <summary>The OAuth code is invalid or expired (WeChat 40029).</summary>
    public const string CodeInvalid = "code_invalid";

    /// <summary>The login's state is unknown (forged or from another system).</summary>
    public const string StateUnknown = "state_unknown";

    /// <summary>The login's state is older than its lifetime.</summary>
    public const string StateExpired = "state_expired";

    /// <summary>The login's state was already used by an earlier callback.</summary>
    public const string StateUsed = "state_used";

    /// <summary>WeChat's API answered with an error we cannot recover from.</summary>
    public const string WeixinError = "weixin_error";

    /// <summary>The 公众号 may not use web authorization (WeChat 48001: it needs a verified 服务号).</summary>
    public const string ApiUnauthorized = "api_unauthorized";

    /// <summary>WeChat's API could not be reached after retries.</summary>
    public const string WeixinUnavailable = "weixin_unavailable";

    /// <summary>
    /// The gateway could not announce the login's state to the public inbox (unreachable or refusing), so WeChat's
    /// redirect would be refused there; the login was not started.
    /// </summary>
    public const string InboxUnavailable = "inbox_unavailable";

    /// <summary>The ticket is unknown, expired, used, or belongs to another browser.</summary>
    public const string TicketInvalid = "ticket_invalid";

    /// <summary>The ticket has expired (60 s).</summary>
    public const string TicketExpired = "ticket_expired";

    /// <summary>The ticket was already redeemed.</summary>
    public const string TicketUsed = "ticket_used";

    /// <summary>The intranet did not process the login in time.</summary>
    public const string Timeout = "timeout";

    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [Denied] = "您已拒绝微信授权，未能登录。如需登录，请重新点击「微信登录」并选择「允许」。",
        [SnapshotUser] = "微信当前以「快照页」模式打开本页，无法确认您的身份。请点击页面底部的『使用完整服务』后重新登录。",
        [CodeUsed] = "该微信授权已被使用过，请重新点击「微信登录」。",
        [CodeInvalid] = "微信授权已失效（授权码无效或已超过 5 分钟），请重新点击「微信登录」。",
        [StateUnknown] = "登录请求无法识别（可能来自过期或伪造的链接），请重新点击「微信登录」。",
        [StateExpired] = "登录请求已超过 15 分钟有效期，请重新点击「微信登录」。",
        [StateUsed] = "该登录链接已使用过，请重新点击「微信登录」。",
        [WeixinError] = "微信服务返回错误，暂时无法完成登录，请稍后重试或联系管理员。",
        [ApiUnauthorized] = "公众号未获得网页授权接口权限（48001）：微信登录需要已认证的服务号。请联系管理员，或使用账号密码登录。",
        [WeixinUnavailable] = "暂时无法连接微信服务器，请稍后重试。",
        [InboxUnavailable] = "暂时无法连接公网登录服务，微信登录无法开始。请稍后重试，或使用账号密码登录。",
        [TicketInvalid] = "登录凭据无效（可能已在其他浏览器中打开），请在同一浏览器中重新点击「微信登录」。",
        [TicketExpired] = "登录凭据已超过 60 秒有效期，请重新点击「微信登录」。",
        [TicketUsed] = "登录凭据已使用过，请重新点击「微信登录」。",
        [Timeout] = "内网服务没有及时响应，请稍后重新登录。",
    };

    /// <summary>The Chinese message for a code; a generic message for an unknown code.</summary>
    public static string Describe(string? code) =>
        code is not null && Messages.TryGetValue(code, out var message) ? message : "微信登录失败，请重新尝试。";

    /// <summary>True for a code this class defines.</summary>
    public static bool IsKnown(string? code) => code is not null && Messages.ContainsKey(code);
}
