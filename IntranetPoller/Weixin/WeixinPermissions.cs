using System.Collections.Concurrent;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>
/// WeChat's 48001 ("api unauthorized"): the 公众号 is not of a kind that may call the API. Nothing but a change of
/// account (认证, or a 服务号 instead of a 订阅号) helps, so a 48001 is final and its reason names the requirement
/// (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Explanation_of_interface_privileges.html).
/// </summary>
public static class WeixinPermissions
{
    /// <summary>The APIs already reported to the log as unauthorized in this process (the first refusal is an error).</summary>
    private static readonly ConcurrentDictionary<string, bool> Reported = new(StringComparer.Ordinal);

    /// <summary>The feature and the account it needs, for the API at <paramref name="path"/> (e.g. <c>cgi-bin/message/template/send</c>).</summary>
    public static (string Feature, string Requirement) For(string path) => path switch
    {
        _ when path.StartsWith("cgi-bin/message/template", StringComparison.Ordinal) || path.StartsWith("cgi-bin/template", StringComparison.Ordinal)
            => ("模板消息", "已认证的服务号"),
        _ when path.StartsWith("cgi-bin/message/custom", StringComparison.Ordinal) => ("客服消息", "已认证的服务号或已认证的订阅号"),
        _ when path.StartsWith("sns/", StringComparison.Ordinal) => ("微信网页授权登录", "已认证的服务号"),
        _ when path.StartsWith("cgi-bin/qrcode", StringComparison.Ordinal) => ("带参数二维码", "已认证的服务号"),
        _ when path.StartsWith("cgi-bin/menu", StringComparison.Ordinal) || path.StartsWith("cgi-bin/get_current_selfmenu", StringComparison.Ordinal)
            => ("自定义菜单接口", "已认证的订阅号或服务号（未认证的订阅号不可用）"),
        _ => ("该接口", "更高级别的公众号（见公众平台「接口权限」）"),
    };

    /// <summary>The reason shown to people: 「公众号未获得该接口权限（48001）：模板消息需要已认证的服务号。」</summary>
    public static string Reason(string path)
    {
        var (feature, requirement) = For(path);
        return $"公众号未获得该接口权限（48001）：{feature}需要{requirement}。请在公众平台确认账号类型与认证状态。";
    }

    /// <summary>
    /// Logs a 48001 for <paramref name="path"/>: the first one in this process as an error with the requirement, later
    /// ones as a short warning, so the log says it once and does not fill up with the same alarm.
    /// </summary>
    public static void Log(ILogger logger, string path, string? errMsg)
    {
        var (feature, requirement) = For(path);
        if (Reported.TryAdd(path, true))
        {
            logger.LogError("WeChat refused {Api} with errcode 48001 (api unauthorized: {ErrMsg}): this official account may not use {Feature}; it needs {Requirement}. Not retried; later refusals are logged as warnings",
                path, errMsg, feature, requirement);
            return;
        }

        logger.LogWarning("WeChat refused {Api} with errcode 48001 again (the account may not use {Feature})", path, feature);
    }
}
