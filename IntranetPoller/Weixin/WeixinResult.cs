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
    where T : class;

/// <summary>Factories of <see cref="WeixinResult{T}"/>.</summary>
public static class WeixinResult
{
    /// <summary>A successful answer.</summary>
    public static WeixinResult<T> Ok<T>(T value) where T : class => new(WeixinOutcome.Ok, value, 0, null);

    /// <summary>An errcode answer.</summary>
    public static WeixinResult<T> Error<T>(int errCode, string? errMsg) where T : class => new(WeixinOutcome.Error, null, errCode, errMsg);

    /// <summary>No usable answer.</summary>
    public static WeixinResult<T> Unreachable<T>(string reason, int errCode = 0) where T : class => new(WeixinOutcome.Unreachable, null, errCode, reason);
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

    /// <summary>The user does not follow the account (customer-service message refused).</summary>
    public const int NotFollowing = 43004;

    /// <summary>Outside the 48-hour window after the user's last interaction (customer-service message refused).</summary>
    public const int OutsideResponseWindow = 45015;

    /// <summary>True for the codes that mean "fetch a new access_token and try once more".</summary>
    public static bool IsTokenRejected(int errCode) => errCode is InvalidCredential or InvalidAccessToken or AccessTokenExpired;
}
