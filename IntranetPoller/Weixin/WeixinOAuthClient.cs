using System.Globalization;
using System.Net;
using System.Text.Json;
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
    [property: JsonPropertyName("unionid")] string? UnionId)
{
    /// <summary>Keeps the token out of logs and exception messages.</summary>
    public override string ToString() => $"WeixinOAuthToken {{ OpenId = {OpenId}, Scope = {Scope} }}";
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
public sealed class WeixinOAuthClient(HttpClient http, IOptionsMonitor<WeixinOptions> options)
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

    private async Task<WeixinResult<T>> GetAsync<T>(string pathAndQuery, Func<T, bool> isComplete, CancellationToken cancellationToken)
        where T : class
    {
        // Note: the URL carries the AppSecret, the code or the access_token, so neither it nor an exception
        // message that could echo it is ever put into a result or a log line; only the path is.
        var path = pathAndQuery[..pathAndQuery.IndexOf('?', StringComparison.Ordinal)];
        string body;
        try
        {
            using var response = await http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), cancellationToken);
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            {
                return WeixinResult.Unreachable<T>($"{path} answered HTTP {(int)response.StatusCode}");
            }

            if (!response.IsSuccessStatusCode)
            {
                return WeixinResult.Error<T>((int)response.StatusCode, $"{path} answered HTTP {(int)response.StatusCode}");
            }

            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return WeixinResult.Unreachable<T>($"{path}: network error {ex.HttpRequestError}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return WeixinResult.Unreachable<T>($"{path}: timed out after {http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errcode", out var errCodeElement)
                && errCodeElement.TryGetInt32(out var errCode) && errCode != 0)
            {
                var errMsg = document.RootElement.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return errCode == WeixinErrorCodes.SystemBusy
                    ? WeixinResult.Unreachable<T>($"{path}: errcode -1 (system busy) {errMsg}", errCode)
                    : WeixinResult.Error<T>(errCode, errMsg);
            }

            var value = document.Deserialize<T>();
            return value is not null && isComplete(value)
                ? WeixinResult.Ok<T>(value)
                : WeixinResult.Unreachable<T>($"{path}: answer without the expected fields");
        }
        catch (JsonException)
        {
            // Note: an HTML page from a proxy or a truncated body is treated as a transient failure.
            return WeixinResult.Unreachable<T>($"{path}: answer is not JSON");
        }
    }
}
