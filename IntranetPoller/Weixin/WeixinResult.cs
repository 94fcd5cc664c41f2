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

/// <summary>WeChat error codes the OAuth flow reacts to.</summary>
public static class WeixinErrorCodes
{
    /// <summary>System busy: try again.</summary>
    public const int SystemBusy = -1;

    /// <summary>Invalid (or expired) OAuth code.</summary>
    public const int InvalidCode = 40029;

    /// <summary>The OAuth code has been used.</summary>
    public const int CodeUsed = 40163;
}
