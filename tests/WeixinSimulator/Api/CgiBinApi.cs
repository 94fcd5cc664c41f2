using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>api.weixin.qq.com's server API used by the poller: access tokens and customer-service messages.</summary>
internal static partial class CgiBinApi
{
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapCgiBin(this IEndpointRouteBuilder app)
    {
        var cgi = app.MapGroup("/cgi-bin");
        cgi.MapGet("/token", Token);
        cgi.MapPost("/stable_token", StableTokenAsync);
        cgi.MapPost("/message/custom/send", SendCustomMessageAsync).RequireCapability(Capability.CustomerService);
        cgi.MapPost("/message/template/send", SendTemplateMessageAsync).RequireCapability(Capability.TemplateMessage);
        // Note: the template list belongs to the template-message permission (接口权限说明, as message/template/send).
        cgi.MapGet("/template/get_all_private_template", GetAllPrivateTemplates).RequireCapability(Capability.TemplateMessage);
        cgi.MapPost("/menu/create", CreateMenuAsync).RequireCapability(Capability.Menu);
        cgi.MapGet("/menu/get", GetMenu).RequireCapability(Capability.Menu);
        cgi.MapGet("/menu/delete", DeleteMenu).RequireCapability(Capability.Menu);
        cgi.MapGet("/get_current_selfmenu_info", GetCurrentSelfMenuInfo).RequireCapability(Capability.Menu);
        cgi.MapPost("/qrcode/create", CreateQrCodeAsync).RequireCapability(Capability.QrCode);
        cgi.MapGet("/getcallbackip", CallbackIpApi.GetCallbackIp);
        return app;
    }

    /// <summary>A new token on every call; the previous one keeps working for 5 minutes (so only one process should call it).</summary>
    private static Results<Ok<ApiTokenResponse>, Ok<WeixinError>> Token(
        [FromQuery(Name = "grant_type")] string? grantType,
        [FromQuery(Name = "appid")] string? appId,
        [FromQuery(Name = "secret")] string? secret,
        [AsParameters] ApiServices s,
        FaultInjector faults)
    {
        s.Stats.TokenFetch(stable: false);
        if (faults.ApiToken.TryTake()?.ApiTokenErrcode is { } injected)
        {
            return s.Fail("cgi-bin/token", injected);
        }

        if (s.CheckCredentials("cgi-bin/token", grantType, appId, secret) is { } failure)
        {
            return failure;
        }

        var answer = s.Tokens.IssuePlain();
        if (answer.Token is not { } issued)
        {
            return s.Fail("cgi-bin/token", answer.Errcode);
        }

        s.Logger.LogInformation("cgi-bin/token issued a new access_token; the previous one lives {Overlap} more at most", ApiTokenStore.Overlap);
        return TypedResults.Ok(ApiTokenResponse.From(issued));
    }

    /// <summary>The same token until it nears expiry, unless <c>force_refresh</c> is true.</summary>
    private static async Task<Results<Ok<ApiTokenResponse>, Ok<WeixinError>>> StableTokenAsync(
        HttpRequest request, [AsParameters] ApiServices s, FaultInjector faults)
    {
        const string endpoint = "cgi-bin/stable_token";
        s.Stats.TokenFetch(stable: true);
        if (faults.ApiToken.TryTake()?.ApiTokenErrcode is { } injected)
        {
            return s.Fail(endpoint, injected);
        }

        if (await ReadJsonAsync(request) is not { ValueKind: JsonValueKind.Object } body)
        {
            return s.Fail(endpoint, WeixinErrors.DataFormatError);
        }

        if (s.CheckCredentials(endpoint, Text(body, "grant_type"), Text(body, "appid"), Text(body, "secret")) is { } failure)
        {
            return failure;
        }

        var force = body.TryGetProperty("force_refresh", out var f) && f.ValueKind == JsonValueKind.True;
        if (force)
        {
            s.Stats.ForcedRefresh();
        }

        var answer = s.Tokens.IssueStable(force);
        return answer.Token is { } issued ? TypedResults.Ok(ApiTokenResponse.From(issued)) : s.Fail(endpoint, answer.Errcode);
    }

    /// <summary>Delivers a customer-service message when the user follows and an interaction's quota allows one more.</summary>
    private static async Task<Ok<WeixinError>> SendCustomMessageAsync(
        [FromQuery(Name = "access_token")] string? accessToken, HttpRequest request, [AsParameters] ApiServices s)
    {
        const string endpoint = "message/custom/send";
        s.Stats.CustomSend();
        switch (s.Tokens.Check(accessToken))
        {
            case ApiTokenCheck.Missing:
                return s.Fail(endpoint, WeixinErrors.AccessTokenMissing);
            case ApiTokenCheck.Invalid:
                return s.Fail(endpoint, WeixinErrors.InvalidCredential);
            case ApiTokenCheck.Expired:
                return s.Fail(endpoint, WeixinErrors.AccessTokenExpired);
        }

        var raw = await ReadBodyAsync(request);
        if (Parse(raw) is not { ValueKind: JsonValueKind.Object } body)
        {
            return s.Fail(endpoint, WeixinErrors.DataFormatError);
        }

        var openId = Text(body, "touser");
        if (s.Users.Find(openId) is null)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidOpenId);
        }

        var msgType = Text(body, "msgtype") ?? "";
        var (shown, errcode) = msgType switch
        {
            "text" => Text(body.GetPropertyOrDefault("text"), "content") is { Length: > 0 } content ? (content, 0) : (null, WeixinErrors.EmptyContent),
            "news" => NewsTitles(body.GetPropertyOrDefault("news")) is { } titles ? (titles, 0) : (null, WeixinErrors.DataFormatError),
            "image" => Text(body.GetPropertyOrDefault("image"), "media_id") is { Length: > 0 } ? ("[图片]", 0) : (null, WeixinErrors.DataFormatError),
            _ => ((string?)null, WeixinErrors.InvalidMessageType),
        };
        if (shown is null)
        {
            return s.Fail(endpoint, errcode);
        }

        var conversation = s.Conversations.For(openId!);
        if (!conversation.Following)
        {
            return s.Fail(endpoint, WeixinErrors.RequireSubscribe);
        }

        // Rule: 5 sends within 48 h after a message, 3 within 1 minute after a click/follow/scan; else 45015 or 45047 (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html).
        var now = s.Time.GetUtcNow();
        if (conversation.TrySpendCustomerService(now) is not 0 and var refused)
        {
            return s.Fail(endpoint, refused);
        }

        conversation.Receive(new ReceivedMessage(Via.CustomerService, msgType, shown, now, raw));
        s.Logger.LogInformation("Customer-service {MsgType} message delivered to {OpenId}", msgType, openId);
        return TypedResults.Ok(WeixinAnswers.Ok);
    }

    private static string? NewsTitles(JsonElement news)
    {
        if (news.ValueKind != JsonValueKind.Object || !news.TryGetProperty("articles", out var articles)
            || articles.ValueKind != JsonValueKind.Array || articles.GetArrayLength() is < 1 or > 8)
        {
            return null;
        }

        var titles = articles.EnumerateArray().Select(a => Text(a, "title")).ToArray();
        return titles.Any(string.IsNullOrEmpty) ? null : string.Join('\n', titles);
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static JsonElement GetPropertyOrDefault(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static async Task<JsonElement?> ReadJsonAsync(HttpRequest request) => Parse(await ReadBodyAsync(request));

    private static JsonElement? Parse(string raw)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return ""; // Note: not JSON, so an oversized body answers 47001 like any other bad body.
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>What the cgi-bin handlers depend on, bundled with <c>[AsParameters]</c>.</summary>
internal sealed record ApiServices(
    IOptions<SimulatorOptions> Options,
    UserDirectory Users,
    Conversations Conversations,
    ApiTokenStore Tokens,
    SimulatorStats Stats,
    TimeProvider Time,
    ILogger<ApiServices> Logger)
{
    public SimulatorOptions Settings => Options.Value;

    /// <summary>WeChat's error answer (HTTP 200), counted in the stats.</summary>
    public Ok<WeixinError> Fail(string endpoint, int errcode)
    {
        Stats.Error(errcode);
        Logger.LogWarning("{Endpoint} answered errcode {Errcode}", endpoint, errcode);
        return TypedResults.Ok(WeixinAnswers.Error(errcode, Time));
    }

    /// <summary>Null when the API access_token is valid, else WeChat's error (41001, 40001 or 42001).</summary>
    public Ok<WeixinError>? CheckApiToken(string endpoint, string? accessToken) => Tokens.Check(accessToken) switch
    {
        ApiTokenCheck.Missing => Fail(endpoint, WeixinErrors.AccessTokenMissing),
        ApiTokenCheck.Invalid => Fail(endpoint, WeixinErrors.InvalidCredential),
        ApiTokenCheck.Expired => Fail(endpoint, WeixinErrors.AccessTokenExpired),
        _ => null,
    };

    /// <summary>Null when grant_type, appid and secret are right, else WeChat's error.</summary>
    public Ok<WeixinError>? CheckCredentials(string endpoint, string? grantType, string? appId, string? secret)
    {
        if (string.IsNullOrEmpty(appId))
        {
            return Fail(endpoint, WeixinErrors.AppIdMissing);
        }

        if (!string.Equals(appId, Settings.AppId, StringComparison.Ordinal))
        {
            return Fail(endpoint, WeixinErrors.InvalidAppId);
        }

        if (string.IsNullOrEmpty(secret))
        {
            return Fail(endpoint, WeixinErrors.AppSecretMissing);
        }

        // Note: fixed-time comparison so a caller cannot learn the AppSecret byte by byte from timings.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(Settings.AppSecret)))
        {
            return Fail(endpoint, WeixinErrors.InvalidAppSecret);
        }

        return grantType == "client_credential" ? null : Fail(endpoint, WeixinErrors.InvalidGrantType);
    }
}

/// <summary>Answer of cgi-bin/token and cgi-bin/stable_token.</summary>
internal sealed record ApiTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn)
{
    public static ApiTokenResponse From(IssuedToken issued) => new(issued.AccessToken, (int)issued.ExpiresIn.TotalSeconds);
}
