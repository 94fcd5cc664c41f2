using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>The CRM's own <c>err=</c> codes for <c>/login</c>, on top of the gateway's <see cref="LoginErrors"/>.</summary>
public static class CrmLoginErrors
{
    /// <summary>The confirmed WeChat identity waited too long for 「绑定已有账号」/「新建账号」 (or its cookie is gone).</summary>
    public const string BindExpired = "bind_expired";

    /// <summary>The account was disabled by a 管理员 (a password, WeChat or 扫码 login, or a session that was open).</summary>
    public const string AccountDisabled = "account_disabled";

    /// <summary>What every sign-in of a disabled account is told.</summary>
    public const string AccountDisabledMessage = "该账号已停用，请联系管理员。";

    /// <summary>The Chinese message for a code (ours first, then the gateway's; a generic one when unknown).</summary>
    public static string Describe(string code) => code switch
    {
        BindExpired => "微信身份确认已过期（超过 10 分钟未完成绑定），请重新点击「微信登录」。",
        AccountDisabled => AccountDisabledMessage,
        _ => LoginErrors.Describe(code),
    };
}
