using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>Answer of <c>sns/oauth2/access_token</c>.</summary>
public sealed record WeixinOAuthToken(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("scope")] string? Scope,
    [property: JsonPropertyName("unionid")] string? UnionId,
    [property: JsonPropertyName("is_snapshotuser")] int? IsSnapshotUser = null)
{
    /// <summary>
    /// True when WeChat opened the page in 快照页模式: openid and unionid are a virtual account's, never the real user
    /// (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
    /// </summary>
    public bool IsSnapshot => IsSnapshotUser == 1;

    /// <summary>Keeps the token out of logs and exception messages.</summary>
    public override string ToString() => $"WeixinOAuthToken {{ OpenId = {OpenId}, Scope = {Scope}, IsSnapshot = {IsSnapshot} }}";
}

/// <summary>Answer of <c>sns/userinfo</c>.</summary>
public sealed record WeixinUserInfo(
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("nickname")] string? Nickname,
    [property: JsonPropertyName("sex")] int Sex,
    [property: JsonPropertyName("province")] string? Province,
    [property: JsonPropertyName("city")] string? City,
    [property: JsonPropertyName("country")] string? Country,
    [property: JsonPropertyName("headimgurl")] string? HeadImgUrl,
    [property: JsonPropertyName("unionid")] string? UnionId);

/// <summary>WeChat's web-page authorisation API (a typed <see cref="HttpClient"/> on <c>Weixin:ApiBaseUrl</c>).</summary>
public sealed class WeixinOAuthClient(HttpClient http, IOptionsMonitor<WeixinOptions> options, WeixinAlerts alerts)
{
    /// <summary>Exchanges an OAuth code for the user's access token and openid.</summary>
    /// <remarks>Not retried automatically: a code is single-use, so a repeat after a lost answer would get 40163.</remarks>
    public Task<WeixinResult<WeixinOAuthToken>> ExchangeCodeAsync(string code, CancellationToken cancellationToken)
    {
        var weixin = options.CurrentValue;
        var query = $"sns/oauth2/access_token?appid={Uri.EscapeDataString(weixin.AppId)}&secret={Uri.EscapeDataString(weixin.AppSecret)}"
            + $"&code={Uri.EscapeDataString(code)}&grant_type=authorization_code";
        return GetAsync<WeixinOAuthToken>(query, t => !string.IsNullOrEmpty(t.AccessToken) && !string.IsNullOrEmpty(t.OpenId), cancellationToken);
    }

    /// <summary>Reads the profile of the user who granted <c>snsapi_userinfo</c>.</summary>
    public Task<WeixinResult<WeixinUserInfo>> GetUserInfoAsync(string accessToken, string openId, CancellationToken cancellationToken)
    {
        var query = $"sns/userinfo?access_token={Uri.EscapeDataString(accessToken)}&openid={Uri.EscapeDataString(openId)}&lang=zh_CN";
        return GetAsync<WeixinUserInfo>(query, u => !string.IsNullOrEmpty(u.OpenId), cancellationToken);
    }

    private Task<WeixinResult<T>> GetAsync<T>(string pathAndQuery, Func<T, bool> isComplete, CancellationToken cancellationToken)
        where T : class
    {
        var path = pathAndQuery[..pathAndQuery.IndexOf('?', StringComparison.Ordinal)];
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative));
        return WeixinApiCall.SendAsync(http, request, path, isComplete, alerts, cancellationToken);
    }
}
