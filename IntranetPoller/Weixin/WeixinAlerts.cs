using System.Collections.Concurrent;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Text;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>
/// The WeChat conditions this poller currently sees and people must act on: a 48001 per API (the account may not use
/// it) and a 40164 (this host's egress IP is not whitelisted). Every WeChat call reports its outcome here (see
/// <see cref="WeixinApiCall"/>); the poll job sends <see cref="Current"/> with each claim so the inbox's 「概览」 shows them.
/// </summary>
/// <remarks>
/// An entry ends when the same API succeeds again (for 40164: any call, a token fetch included, since WeChat checks the
/// IP on every call), or after <see cref="Expiry"/> without a repeat: a 48001 is final and not retried, so after the
/// account is upgraded (or the feature is no longer used) nothing may call that API again to clear it, and a red line
/// that outlives its cause teaches people to ignore red lines. A day is long enough to be seen by whoever looks at the
/// dashboard daily, and a still-present condition comes back with the next call. Kept in memory: a restarted poller
/// starts clean and reports again on the next refusal.
/// </remarks>
public sealed class WeixinAlerts(TimeProvider time)
{
    /// <summary>How long an alert stays without a repeat.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(24);

    /// <summary>The code of the 40164 alert.</summary>
    public const string IpNotWhitelistedCode = "40164";

    private readonly ConcurrentDictionary<string, PollerAlert> _alerts = new(StringComparer.Ordinal);

    /// <summary>The code of the 48001 alert for <paramref name="path"/>.</summary>
    public static string UnauthorizedCode(string path) => TextClip.Clip($"48001 {path}", PollerAlert.MaxCodeLength)!;

    /// <summary>The Chinese reason of a 40164, naming the IP WeChat saw.</summary>
    public static string IpReason(string? errMsg) =>
        $"服务器出口 IP {WeixinErrorCodes.IpFrom(errMsg) ?? "（未知）"} 不在公众号的 IP 白名单中（40164）：请在公众平台「基本配置 → IP白名单」中添加。";

    /// <summary>Notes the outcome of one call to <paramref name="path"/>.</summary>
    public void Observe<T>(string path, WeixinResult<T> result) where T : class
    {
        if (result.Outcome == WeixinOutcome.Ok)
        {
            _alerts.TryRemove(UnauthorizedCode(path), out _);
            _alerts.TryRemove(IpNotWhitelistedCode, out _);
        }
        else if (result.Outcome == WeixinOutcome.Error && result.ErrCode == WeixinErrorCodes.ApiUnauthorized)
        {
            Raise(UnauthorizedCode(path), WeixinPermissions.Reason(path));
        }
        else if (result.Outcome == WeixinOutcome.Error && result.ErrCode == WeixinErrorCodes.IpNotWhitelisted)
        {
            Raise(IpNotWhitelistedCode, IpReason(result.ErrMsg));
        }
    }

    /// <summary>The alerts in force, oldest first, at most <see cref="PollerAlert.MaxCount"/>; expired ones are dropped.</summary>
    public IReadOnlyList<PollerAlert> Current()
    {
        var now = time.GetUtcNow();
        foreach (var (code, alert) in _alerts)
        {
            if (now - alert.LastSeen > Expiry)
            {
                _alerts.TryRemove(KeyValuePair.Create(code, alert));
            }
        }

        return [.. _alerts.Values.OrderBy(a => a.Since).ThenBy(a => a.Code, StringComparer.Ordinal).Take(PollerAlert.MaxCount)];
    }

    private void Raise(string code, string reason)
    {
        var now = time.GetUtcNow();
        var clipped = TextClip.Clip(reason, PollerAlert.MaxReasonLength)!;
        _alerts.AddOrUpdate(code, _ => new PollerAlert(code, clipped, now, now), (_, old) => old with { Reason = clipped, LastSeen = now });
    }
}
