using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>Answer of <c>cgi-bin/token</c> and <c>cgi-bin/stable_token</c>.</summary>
public sealed record WeixinAccessToken(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn)
{
    /// <summary>Keeps the token out of logs and exception messages.</summary>
    public override string ToString() => $"WeixinAccessToken {{ ExpiresIn = {ExpiresIn} }}";
}

/// <summary>Answer of calls that only acknowledge (<c>{"errcode":0,"errmsg":"ok"}</c>).</summary>
public sealed record WeixinAck(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

/// <summary>Answer of <c>cgi-bin/qrcode/create</c>: the ticket, its lifetime and the content to encode in the QR code.</summary>
public sealed record WeixinQrCode(
    [property: JsonPropertyName("ticket")] string? Ticket,
    [property: JsonPropertyName("expire_seconds")] int ExpireSeconds,
    [property: JsonPropertyName("url")] string? Url);

/// <summary>Answer of <c>cgi-bin/getcallbackip</c>.</summary>
public sealed record WeixinCallbackIps([property: JsonPropertyName("ip_list")] IReadOnlyList<string>? IpList);

/// <summary>Answer of <c>message/template/send</c>.</summary>
public sealed record WeixinTemplateSent([property: JsonPropertyName("msgid")] long MsgId);

/// <summary>One data field of a template message as WeChat takes it.</summary>
public sealed record WeixinTemplateValue(
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("color"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Color = null);

/// <summary>The body of <c>message/template/send</c>.</summary>
/// <param name="ClientMsgId">WeChat drops a second send with the same openid and client_msg_id (for about 10 minutes) and answers the first msgid.</param>
public sealed record WeixinTemplateMessage(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, WeixinTemplateValue> Data,
    [property: JsonPropertyName("client_msg_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientMsgId);

/// <summary>One article of a customer-service news message.</summary>
public sealed record WeixinNewsArticle(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("picurl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PicUrl);

/// <summary>
/// WeChat's official-account server API (<c>cgi-bin/*</c>, a typed <see cref="HttpClient"/> on <c>Weixin:ApiBaseUrl</c>).
/// Callers get the access_token from <see cref="AccessTokenProvider"/>; only the provider fetches one.
/// </summary>
public sealed class WeixinServiceClient(HttpClient http, IOptionsMonitor<WeixinOptions> options, WeixinAlerts alerts)
{
    // Note: Chinese text goes out as UTF-8, not \uXXXX escapes; the body is JSON for an API, never HTML.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Fetches an access_token through <c>Weixin:TokenEndpoint</c>: <c>POST cgi-bin/stable_token</c> (by default) or
    /// <c>GET cgi-bin/token</c>. <paramref name="forceRefresh"/> asks stable_token for a new token (WeChat allows it
    /// 20 times a day); cgi-bin/token always issues a new one.
    /// </summary>
    public Task<WeixinResult<WeixinAccessToken>> FetchAccessTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var weixin = options.CurrentValue;
        static bool IsComplete(WeixinAccessToken t) => !string.IsNullOrEmpty(t.AccessToken) && t.ExpiresIn > 0;

        if (weixin.TokenEndpoint == WeixinOptions.ClassicTokenEndpoint)
        {
            var query = $"cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(weixin.AppId)}&secret={Uri.EscapeDataString(weixin.AppSecret)}";
            return WeixinApiCall.SendAsync<WeixinAccessToken>(
                http, new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative)), "cgi-bin/token", IsComplete, alerts, cancellationToken);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("cgi-bin/stable_token", UriKind.Relative))
        {
            Content = JsonContent.Create(new StableTokenRequest("client_credential", weixin.AppId, weixin.AppSecret, forceRefresh), options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinAccessToken>(http, request, "cgi-bin/stable_token", IsComplete, alerts, cancellationToken);
    }

    /// <summary>Sends a customer-service text message (<c>POST cgi-bin/message/custom/send</c>).</summary>
    public Task<WeixinResult<WeixinAck>> SendCustomTextAsync(string accessToken, string openId, string content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"cgi-bin/message/custom/send?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative))
        {
            Content = JsonContent.Create(new CustomTextMessage(openId, "text", new CustomText(content)), options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinAck>(http, request, "cgi-bin/message/custom/send", _ => true, alerts, cancellationToken);
    }

    /// <summary>Sends a customer-service news message with one article (<c>POST cgi-bin/message/custom/send</c>).</summary>
    public Task<WeixinResult<WeixinAck>> SendCustomNewsAsync(string accessToken, string openId, WeixinNewsArticle article, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"cgi-bin/message/custom/send?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative))
        {
            Content = JsonContent.Create(new CustomNewsMessage(openId, "news", new CustomNews([article])), options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinAck>(http, request, "cgi-bin/message/custom/send", _ => true, alerts, cancellationToken);
    }

    /// <summary>Sends a template message (<c>POST cgi-bin/message/template/send</c>); the answer carries WeChat's msgid.</summary>
    public Task<WeixinResult<WeixinTemplateSent>> SendTemplateAsync(string accessToken, WeixinTemplateMessage message, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"cgi-bin/message/template/send?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative))
        {
            Content = JsonContent.Create(message, options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinTemplateSent>(http, request, "cgi-bin/message/template/send", _ => true, alerts, cancellationToken);
    }

    /// <summary>Creates (replaces) the account's custom menu (<c>POST cgi-bin/menu/create</c>) from <c>{"button":[…]}</c>.</summary>
    public Task<WeixinResult<WeixinAck>> CreateMenuAsync(string accessToken, JsonObject menu, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"cgi-bin/menu/create?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative))
        {
            Content = JsonContent.Create(menu, options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinAck>(http, request, "cgi-bin/menu/create", _ => true, alerts, cancellationToken);
    }

    /// <summary>Reads the account's custom menu (<c>GET cgi-bin/menu/get</c>): <c>{"menu":{"button":[…]}}</c>; 46003 when none.</summary>
    public Task<WeixinResult<JsonObject>> GetMenuAsync(string accessToken, CancellationToken cancellationToken) =>
        WeixinApiCall.SendAsync<JsonObject>(
            http, new HttpRequestMessage(HttpMethod.Get, new Uri($"cgi-bin/menu/get?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative)),
            "cgi-bin/menu/get", _ => true, alerts, cancellationToken);

    /// <summary>
    /// Creates a temporary parametric QR code with a string scene (<c>POST cgi-bin/qrcode/create</c>, <c>QR_STR_SCENE</c>)
    /// (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
    /// </summary>
    public Task<WeixinResult<WeixinQrCode>> CreateTemporaryQrCodeAsync(string accessToken, string scene, int expireSeconds, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["expire_seconds"] = expireSeconds,
            ["action_name"] = "QR_STR_SCENE",
            ["action_info"] = new JsonObject { ["scene"] = new JsonObject { ["scene_str"] = scene } },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"cgi-bin/qrcode/create?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative))
        {
            Content = JsonContent.Create(body, options: Json),
        };
        return WeixinApiCall.SendAsync<WeixinQrCode>(http, request, "cgi-bin/qrcode/create", q => !string.IsNullOrEmpty(q.Url), alerts, cancellationToken);
    }

    /// <summary>WeChat's callback IP list (<c>GET cgi-bin/getcallbackip</c>): addresses or CIDR ranges WeChat posts callbacks from.</summary>
    // Note: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_the_WeChat_server_IP_address.html
    public Task<WeixinResult<WeixinCallbackIps>> GetCallbackIpsAsync(string accessToken, CancellationToken cancellationToken) =>
        WeixinApiCall.SendAsync<WeixinCallbackIps>(
            http, new HttpRequestMessage(HttpMethod.Get, new Uri($"cgi-bin/getcallbackip?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative)),
            "cgi-bin/getcallbackip", l => l.IpList is { Count: > 0 }, alerts, cancellationToken);

    private sealed record StableTokenRequest(
        [property: JsonPropertyName("grant_type")] string GrantType,
        [property: JsonPropertyName("appid")] string AppId,
        [property: JsonPropertyName("secret")] string Secret,
        [property: JsonPropertyName("force_refresh")] bool ForceRefresh)
    {
        public override string ToString() => $"StableTokenRequest {{ AppId = {AppId} }}";
    }

    private sealed record CustomTextMessage(
        [property: JsonPropertyName("touser")] string ToUser,
        [property: JsonPropertyName("msgtype")] string MsgType,
        [property: JsonPropertyName("text")] CustomText Text);

    private sealed record CustomText([property: JsonPropertyName("content")] string Content);

    private sealed record CustomNewsMessage(
        [property: JsonPropertyName("touser")] string ToUser,
        [property: JsonPropertyName("msgtype")] string MsgType,
        [property: JsonPropertyName("news")] CustomNews News);

    private sealed record CustomNews([property: JsonPropertyName("articles")] IReadOnlyList<WeixinNewsArticle> Articles);
}
