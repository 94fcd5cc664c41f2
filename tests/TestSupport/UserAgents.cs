namespace Weixin.Inbox.Testing;

/// <summary>
/// Browser user agents. WeChat's authorize page only works in WeChat's own browser (a user agent with
/// <c>MicroMessenger</c>); everywhere else it shows 「请在微信客户端打开链接」, so every test that opens it is a WeChat phone.
/// </summary>
public static class UserAgents
{
    /// <summary>WeChat 8 on an iPhone (its in-app browser).</summary>
    public const string WeixinPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN";

    /// <summary>Chrome on a Windows desktop, outside WeChat.</summary>
    public const string DesktopChrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
}
