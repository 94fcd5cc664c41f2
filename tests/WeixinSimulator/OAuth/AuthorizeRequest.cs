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

        if (!string.Equals(ResponseType, "code", StringComparison.Ordinal))
        {
            return "参数错误";
        }

        if (Scope is not (ScopeUserInfo or ScopeBase))
        {
            return "scope 参数错误或没有 scope 权限";
        }

        return null;
    }

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
