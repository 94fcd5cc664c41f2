namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>How a call to WeChat's API ended.</summary>
public enum WeixinOutcome
{
    /// <summary>WeChat answered with the data.</summary>
    Ok,

    /// <summary>WeChat answered <c>{"errcode":N,"errmsg":"…"}</c> with a non-zero, non-transient code.</summary>
    Error,

    /// <summary>
    /// No usable answer: network error, timeout, HTTP 5xx/429, an unreadable body, or errcode -1 (system busy).
    /// Worth retrying later.
    /// </summary>
    Unreachable,
}

/// <summary>The result of one WeChat API call. WeChat reports errors as HTTP 200 with <c>errcode</c>/<c>errmsg</c>.</summary>
/// <param name="Outcome">How the call ended.</param>
/// <param name="Value">The data when <see cref="WeixinOutcome.Ok"/>.</param>
/// <param name="ErrCode">WeChat's errcode (0 when none, -1 for busy).</param>
/// <param name="ErrMsg">WeChat's errmsg, or why the call was unreachable (never contains secrets).</param>
public sealed record WeixinResult<T>(WeixinOutcome Outcome, T? Value, int ErrCode, string? ErrMsg)
    where T : class
{
    /// <summary>
    /// True for an <see cref="WeixinOutcome.Unreachable"/> call whose request may still have been carried out by WeChat:
    /// it was sent but no answer was read (a timeout, a dropped connection, HTTP 5xx, an unreadable answer). False when
    /// WeChat answered, or the request never left (no connection).
    /// </summary>
    public bool MayHaveArrived { get; init; }

    /// <summary>
    /// True when WeChat was not called because no access_token could be had (from
    /// <see cref="AccessTokenProvider.CallWithTokenAsync{T}"/>): <see cref="ErrCode"/> and <see cref="ErrMsg"/> are the
    /// token fetch's (40164 when this host's IP is not whitelisted).
    /// </summary>
    public bool NoAccessToken { get; init; }
}

/// <summary>Factories of <see cref="WeixinResult{T}"/>.</summary>
public static class WeixinResult
{
    /// <summary>A successful answer.</summary>
    public static WeixinResult<T> Ok<T>(T value) where T : class => new(WeixinOutcome.Ok, value, 0, null);

    /// <summary>An errcode answer.</summary>
    public static WeixinResult<T> Error<T>(int errCode, string? errMsg) where T : class => new(WeixinOutcome.Error, null, errCode, errMsg);

    /// <summary>No usable answer.</summary>
    public static WeixinResult<T> Unreachable<T>(string reason, int errCode = 0) where T : class => new(WeixinOutcome.Unreachable, null, errCode, reason);

    /// <summary>No usable answer to a request that WeChat may have carried out (see <see cref="WeixinResult{T}.MayHaveArrived"/>).</summary>
    public static WeixinResult<T> Unanswered<T>(string reason) where T : class => new(WeixinOutcome.Unreachable, null, 0, reason) { MayHaveArrived = true };
}

/// <summary>WeChat error codes the gateway reacts to.</summary>
public static class WeixinErrorCodes
{
    /// <summary>System busy: try again.</summary>
    public const int SystemBusy = -1;

    /// <summary>Invalid (or expired) OAuth code.</summary>
    public const int InvalidCode = 40029;

    /// <summary>The OAuth code has been used.</summary>
    public const int CodeUsed = 40163;

    /// <summary>Invalid credential: the access_token is wrong or was replaced (or the AppSecret is wrong when fetching one).</summary>
    public const int InvalidCredential = 40001;

    /// <summary>Invalid openid (not a follower of this account).</summary>
    public const int InvalidOpenId = 40003;

    /// <summary>Invalid access_token.</summary>
    public const int InvalidAccessToken = 40014;

    /// <summary>The caller's egress IP is not on the account's IP whitelist; errmsg names the IP WeChat saw.</summary>
    public const int IpNotWhitelisted = 40164;

    /// <summary>The access_token expired.</summary>
    public const int AccessTokenExpired = 42001;

    /// <summary>The API's quota is used up (per day or per minute): try again later.</summary>
    public const int ApiQuotaLimit = 45009;

    /// <summary>Called too often within a minute: try again later.</summary>
    public const int ApiMinuteQuotaLimit = 45011;

    /// <summary>Invalid template_id.</summary>
    public const int InvalidTemplateId = 40037;

    /// <summary>Invalid argument (a template's data does not match the template).</summary>
    public const int ArgumentInvalid = 47003;

    /// <summary>The menu does not exist (menu/get before any menu/create).</summary>
    public const int MenuNotExist = 46003;

    /// <summary>The user does not follow the account (customer-service message refused).</summary>
    public const int NotFollowing = 43004;

    /// <summary>
    /// No customer-service quota open for the user: none within 48 h of their last message nor within 1 minute of a
    /// menu click, follow or scan (customer-service message refused).
    /// </summary>
    public const int OutsideResponseWindow = 45015;

    /// <summary>
    /// The user's customer-service quota is spent: 5 messages per user message, 3 per menu click, follow or scan
    /// (customer-service message refused until the user interacts again).
    /// </summary>
    public const int ResponseCountLimit = 45047;

    /// <summary>True when custom/send is refused for this user until they interact again (45015, 45047); a template still goes.</summary>
    public static bool IsCustomerServiceClosed(int errCode) => errCode is OutsideResponseWindow or ResponseCountLimit;

    /// <summary>The account may not call this API (its type or verification does not allow it): final.</summary>
    public const int ApiUnauthorized = 48001;

    /// <summary>True for the codes that mean "fetch a new access_token and try once more".</summary>
    public static bool IsTokenRejected(int errCode) => errCode is InvalidCredential or InvalidAccessToken or AccessTokenExpired;

    /// <summary>True for the codes that mean "the quota is used up for now": worth retrying later.</summary>
    public static bool IsQuota(int errCode) => errCode is ApiQuotaLimit or ApiMinuteQuotaLimit;

    /// <summary>The egress IP WeChat saw, from a 40164 errmsg (<c>invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist</c>).</summary>
    public static string? IpFrom(string? errMsg)
    {
        const string marker = "invalid ip ";
        var start = errMsg?.IndexOf(marker, StringComparison.OrdinalIgnoreCase) ?? -1;
        if (start < 0)
        {
            return null;
        }

        var ip = errMsg![(start + marker.Length)..].Split([' ', ','], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return string.IsNullOrEmpty(ip) ? null : ip;
    }
}
