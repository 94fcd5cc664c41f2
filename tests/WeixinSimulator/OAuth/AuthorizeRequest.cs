using System.Text;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>The parameters of <c>/connect/oauth2/authorize</c>, read from the query or carried in the consent form.</summary>
internal sealed record AuthorizeRequest(
    string AppId,
    string RedirectUri,
    string ResponseType,
    string Scope,
    string State,
    string? ConnectRedirect)
{
    public const string ScopeUserInfo = "snsapi_userinfo";
    public const string ScopeBase = "snsapi_base";

    public static AuthorizeRequest Read(Func<string, string?> get) => new(
        get("appid") ?? "",
        get("redirect_uri") ?? "",
        get("response_type") ?? "",
        get("scope") ?? "",
        get("state") ?? "",
        get("connect_redirect"));

    /// <summary>Null when the request is acceptable, else the message WeChat's error page shows.</summary>
    public string? Validate(SimulatorOptions options)
    {
        if (!string.Equals(AppId, options.AppId, StringComparison.Ordinal))
        {
            return "参数错误";
        }

        if (!Uri.TryCreate(RedirectUri, UriKind.Absolute, out var redirect)
            || (redirect.Scheme != Uri.UriSchemeHttp && redirect.Scheme != Uri.UriSchemeHttps))
        {
            return "redirect_uri 参数错误";
        }

        // Rule: redirect_uri must be on a configured 网页授权域名, compared as a full host name (no port, no path:
        // "授权回调域名配置规范为全域名…请勿加 http:// 等协议头"), so 127.0.0.1 admits any port on 127.0.0.1:
        // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
        if (!IsOnAuthorizedDomain(redirect, options.EffectiveOAuthDomains))
        {
            return "redirect_uri 参数错误";
        }

        if (!string.Equals(ResponseType, "code", StringComparison.Ordinal))
        {
            return "参数错误";
        }

        if (Scope is not (ScopeUserInfo or ScopeBase))
        {
            return "scope 参数错误或没有 scope 权限";
        }

        // Rule: "state … 开发者可以填写a-zA-Z0-9的参数值，最多128字节"; a longer state gets WeChat's error page:
        // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
        if (Encoding.UTF8.GetByteCount(State) > MaxStateBytes)
        {
            return "state 参数错误";
        }

        // Rule (same doc): only a-zA-Z0-9; the doc does not say what other characters get, so Simulator:LenientStateCharacters
        // chooses between the error page (default) and carrying the state back unchanged.
        if (!options.LenientStateCharacters && !State.All(char.IsAsciiLetterOrDigit))
        {
            return "state 参数错误";
        }

        return null;
    }

    /// <summary>The most bytes a state may have.</summary>
    public const int MaxStateBytes = 128;

    private static bool IsOnAuthorizedDomain(Uri redirect, IReadOnlyList<string> domains) =>
        domains.Any(d => string.Equals(d.Trim(), redirect.IdnHost, StringComparison.OrdinalIgnoreCase));

    /// <summary>redirect_uri with the given parameters appended (before any fragment).</summary>
    public string RedirectWith(params (string Name, string Value)[] parameters)
    {
        var hash = RedirectUri.IndexOf('#', StringComparison.Ordinal);
        var head = hash >= 0 ? RedirectUri[..hash] : RedirectUri;
        var fragment = hash >= 0 ? RedirectUri[hash..] : "";

        var url = new StringBuilder(head);
        var separator = !head.Contains('?', StringComparison.Ordinal) ? "?"
            : head.EndsWith('?') || head.EndsWith('&') ? ""
            : "&";
        foreach (var (name, value) in parameters)
        {
            url.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = "&";
        }

        return url.Append(fragment).ToString();
    }
}
