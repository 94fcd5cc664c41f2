using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;
using Weixin.Inbox.WeixinSimulator.Users;
using static Weixin.Inbox.WeixinSimulator.Html.HtmlPage;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>The four kinds of parametric QR code (qrcode/create's <c>action_name</c>).</summary>
internal enum QrKind { Scene, StrScene, LimitScene, LimitStrScene }

/// <summary>One QR code created by qrcode/create: its content URL ends in <see cref="Code"/>.</summary>
/// <param name="Scene">The scene value as the events carry it (scene_id in decimal, or scene_str).</param>
/// <param name="ExpiresAt">Null for a permanent code.</param>
internal sealed record QrCode(string Code, string Ticket, QrKind Kind, string Scene, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    public bool Permanent => ExpiresAt is null;

    public bool ExpiredAt(DateTimeOffset now) => ExpiresAt is { } until && now >= until;

    public string ActionName => Kind switch
    {
        QrKind.Scene => "QR_SCENE",
        QrKind.StrScene => "QR_STR_SCENE",
        QrKind.LimitScene => "QR_LIMIT_SCENE",
        _ => "QR_LIMIT_STR_SCENE",
    };
}

/// <summary>The QR codes created so far, by the code in their content URL (<c>/q/&lt;code&gt;</c>). Thread-safe.</summary>
internal sealed class QrCodeStore
{
    public const string PathPrefix = "/q/";

    private readonly ConcurrentDictionary<string, QrCode> _byCode = new(StringComparer.Ordinal);

    public QrCode Add(QrKind kind, string scene, DateTimeOffset now, TimeSpan? lifetime)
    {
        while (true)
        {
            // Note: like weixin.qq.com/q/<22 chars>: unguessable, URL-safe.
            var code = Base64Url(RandomNumberGenerator.GetBytes(16));
            var ticket = "gQ" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
            var qr = new QrCode(code, ticket, kind, scene, now, lifetime is { } l ? now + l : null);
            if (_byCode.TryAdd(code, qr))
            {
                return qr;
            }
        }
    }

    /// <summary>
    /// The temporary codes still valid, newest first: what a desktop screen shows right now. The chat page offers them
    /// to 「扫一扫」, standing in for pointing the phone's camera at the screen.
    /// </summary>
    public IReadOnlyList<QrCode> Showing(DateTimeOffset now, int max) =>
        _byCode.Values.Where(q => !q.Permanent && !q.ExpiredAt(now)).OrderByDescending(q => q.CreatedAt).Take(max).ToList();

    /// <summary>How many permanent codes exist.</summary>
    public int PermanentCount => _byCode.Values.Count(q => q.Permanent);

    public QrCode? FindByCode(string? code) => code is not null && _byCode.TryGetValue(code, out var qr) ? qr : null;

    public QrCode? FindByTicket(string? ticket) =>
        string.IsNullOrEmpty(ticket) ? null : _byCode.Values.FirstOrDefault(q => string.Equals(q.Ticket, ticket, StringComparison.Ordinal));

    /// <summary>The code a QR content URL names (any host: the URL may be pasted from another address of the simulator).</summary>
    public QrCode? FindByUrl(string? url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || !uri.AbsolutePath.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return FindByCode(uri.AbsolutePath[PathPrefix.Length..]);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>qrcode/create: 生成带参数的二维码.</summary>
internal static partial class CgiBinApi
{
    // Rule: a temporary code lives 60 s unless expire_seconds says otherwise, at most 2592000 (30 days) (https://developers.weixin.qq.com/doc/service/Account_Management/Generating_a_Parametric_QR_Code.html).
    private const int DefaultQrSeconds = 60;
    private const int MaxQrSeconds = 2_592_000;

    // Rule: QR_LIMIT_SCENE's scene_id is 1–100000; QR_SCENE's a non-zero 32-bit integer, which the SCAN event calls a 32-bit unsigned integer (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
    private const long MaxLimitSceneId = 100_000;
    private const long MaxSceneId = uint.MaxValue;

    // Rule: scene_str is 1 to 64 long (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html); counted in UTF-8 bytes, the stricter reading.
    private const int MaxSceneStrBytes = 64;

    private static async Task<Results<Ok<JsonObject>, Ok<WeixinError>>> CreateQrCodeAsync(
        [FromQuery(Name = "access_token")] string? accessToken, HttpRequest request, [AsParameters] ApiServices s, QrCodeStore codes)
    {
        const string endpoint = "qrcode/create";
        if (s.CheckApiToken(endpoint, accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        // Rule: a body WeChat cannot read as JSON answers 40052 "invalid action name", as developers report for a
        // single-quoted body (https://blog.csdn.net/jingblog/article/details/82595821; errcodes:
        // https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html).
        if (await ReadJsonAsync(request) is not { ValueKind: JsonValueKind.Object } body)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidActionName);
        }

        // Rule: action_name is exactly one of QR_SCENE, QR_STR_SCENE, QR_LIMIT_SCENE, QR_LIMIT_STR_SCENE, else 40052 (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
        QrKind? kind = Text(body, "action_name") switch
        {
            "QR_SCENE" => QrKind.Scene,
            "QR_STR_SCENE" => QrKind.StrScene,
            "QR_LIMIT_SCENE" => QrKind.LimitScene,
            "QR_LIMIT_STR_SCENE" => QrKind.LimitStrScene,
            _ => null,
        };
        if (kind is not { } qrKind)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidActionName);
        }

        // Rule: the scene sits in action_info.scene; a missing or out-of-range scene answers 40053 "invalid action info".
        // Note: developers report WeChat creating a code with scene 0 when "scene" is missing
        // (https://cloud.tencent.com/developer/article/1978697); the simulator refuses it so the product never relies on it.
        var scene = body.GetPropertyOrDefault("action_info").GetPropertyOrDefault("scene");
        var sceneValue = qrKind is QrKind.Scene or QrKind.LimitScene
            ? SceneId(scene, qrKind == QrKind.Scene ? MaxSceneId : MaxLimitSceneId)
            : SceneStr(scene);
        if (sceneValue is null)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidActionInfo);
        }

        TimeSpan? lifetime = null;
        if (qrKind is QrKind.Scene or QrKind.StrScene)
        {
            // Note: expire_seconds counts only for temporary codes ("仅临时二维码需要"); a permanent code ignores it.
            var seconds = DefaultQrSeconds;
            if (body.TryGetProperty("expire_seconds", out var expire))
            {
                var inRange = expire.ValueKind == JsonValueKind.Number && expire.TryGetInt64(out var requested) && requested is >= 1 and <= MaxQrSeconds;
                if (inRange)
                {
                    seconds = expire.GetInt32();
                }
                else if (s.Settings.QrExpireOutOfRange == QrExpiryOutOfRange.Reject)
                {
                    // Rule: the doc gives only the maximum 2592000; Simulator:QrExpireOutOfRange picks the answer beyond it (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html).
                    return s.Fail(endpoint, WeixinErrors.InvalidArgs);
                }
                else
                {
                    seconds = expire.ValueKind == JsonValueKind.Number && expire.TryGetDouble(out var value) && value > MaxQrSeconds ? MaxQrSeconds : DefaultQrSeconds;
                }
            }

            lifetime = TimeSpan.FromSeconds(seconds);
        }

        // Rule: at most 100000 permanent codes (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html); one more answers 45029 "qrcode count out of limit" (https://github.com/dodgepudding/wechat-php-sdk/issues/210).
        if (lifetime is null && codes.PermanentCount >= s.Settings.QrPermanentLimit)
        {
            return s.Fail(endpoint, WeixinErrors.QrCodeCountOutOfLimit);
        }

        var qr = codes.Add(qrKind, sceneValue, s.Time.GetUtcNow(), lifetime);
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{QrCodeStore.PathPrefix}{qr.Code}";
        s.Logger.LogInformation("qrcode/create made a {ActionName} code with scene '{Scene}', {Lifetime}", qr.ActionName, qr.Scene,
            lifetime is { } l ? $"valid {l.TotalSeconds:0} s" : "permanent");

        // Rule: a temporary code answers ticket, expire_seconds and url; a permanent one ticket and url (https://developers.weixin.qq.com/doc/service/Account_Management/Generating_a_Parametric_QR_Code.html).
        var answer = new JsonObject { ["ticket"] = qr.Ticket };
        if (lifetime is { } life)
        {
            answer["expire_seconds"] = (int)life.TotalSeconds;
        }

        answer["url"] = url;
        return TypedResults.Ok(answer);
    }

    private static string? SceneId(JsonElement scene, long max) =>
        scene.GetPropertyOrDefault("scene_id") is { ValueKind: JsonValueKind.Number } id && id.TryGetInt64(out var value) && value >= 1 && value <= max
            ? value.ToString(CultureInfo.InvariantCulture)
            : null;

    private static string? SceneStr(JsonElement scene) =>
        Text(scene, "scene_str") is { Length: > 0 } value && Encoding.UTF8.GetByteCount(value) <= MaxSceneStrBytes ? value : null;
}

/// <summary>
/// The phone side of QR codes: the content URL's page, and the control <c>POST /sim/users/{openid}/scan</c> that plays
/// a user scanning a code with WeChat's 「扫一扫」.
/// </summary>
internal static class QrCodeScanning
{
    public static IEndpointRouteBuilder MapQrCodes(this IEndpointRouteBuilder app)
    {
        app.MapGet(QrCodeStore.PathPrefix + "{code}", ContentPage);
        app.MapPost("/sim/users/{openId}/scan", ScanEndpointAsync);
        return app;
    }

    /// <summary>What a browser shows for the QR content URL (WeChat's own weixin.qq.com/q/ page only matters inside WeChat).</summary>
    private static ContentHttpResult ContentPage(string code, QrCodeStore codes, TimeProvider time, IOptions<SimulatorOptions> options)
    {
        if (codes.FindByCode(code) is not { } qr)
        {
            return Render("二维码无效", "<div class=\"card\"><p><strong>二维码无效</strong></p><p class=\"muted\">模拟器没有生成过这个二维码。</p></div>", StatusCodes.Status404NotFound);
        }

        var expired = qr.ExpiredAt(time.GetUtcNow());
        var body = new StringBuilder("<div class=\"card\"><p><strong>公众号带参数二维码（模拟器）</strong></p>")
            .Append("<p>这是公众号 <code>").Append(E(options.Value.OriginalId)).Append("</code> 的二维码内容，需用手机微信「扫一扫」扫描。")
            .Append("已关注的用户扫描后，微信向公众号推送 <code>SCAN</code> 事件；未关注的用户关注后，推送带 <code>qrscene_</code> 的 <code>subscribe</code> 事件。</p>")
            .Append("<p class=\"muted\">类型 ").Append(qr.ActionName).Append('；')
            .Append(qr.ExpiresAt is { } until ? (expired ? "已过期" : "有效期至 " + E(until.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))) : "永久有效")
            .Append("</p><p class=\"muted\">在模拟器中扫码：打开<a href=\"").Append(ChatPage.Path).Append("\">聊天页面</a>，把本页地址粘贴到「扫一扫」；")
            .Append("或调用 <code>POST /sim/users/{openid}/scan</code>。</p></div>");
        return Render(expired ? "二维码已过期" : "公众号二维码", body.ToString(), expired ? StatusCodes.Status410Gone : StatusCodes.Status200OK);
    }

    private static async Task<Results<Ok<ScanResponse>, ValidationProblem, ProblemHttpResult>> ScanEndpointAsync(
        string openId, ScanRequest body, UserDirectory users, Conversations conversations, MessageDelivery delivery, QrCodeStore codes, TimeProvider time)
    {
        var outcome = await ScanAsync(openId, body.Url, body.Mode, users, conversations, delivery, codes, time);
        if (outcome.Problems is { } problems)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (outcome.Refusal is { } refusal)
        {
            return TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: refusal.Title);
        }

        return TypedResults.Ok(outcome.Response!);
    }

    /// <summary>The scan, for the JSON control and the chat page: a response, or why it cannot happen.</summary>
    public static async Task<ScanOutcome> ScanAsync(
        string openId, string? url, string? mode, UserDirectory users, Conversations conversations, MessageDelivery delivery, QrCodeStore codes, TimeProvider time)
    {
        Dictionary<string, string[]> problems = [];
        CallbackMode? callbackMode = mode switch
        {
            null or "" or "plain" => CallbackMode.Plain,
            "compat" => CallbackMode.Compat,
            "aes" => CallbackMode.Aes,
            _ => null,
        };
        if (callbackMode is null)
        {
            problems["mode"] = ["mode must be plain, compat or aes."];
        }

        if (string.IsNullOrWhiteSpace(url))
        {
            problems["url"] = ["url is required: the QR content (the url answered by qrcode/create)."];
        }

        if (problems.Count > 0)
        {
            return new ScanOutcome(null, problems, null);
        }

        if (!delivery.Enabled)
        {
            return Refused(StatusCodes.Status409Conflict, "Messaging is off",
                "Simulator:CallbackUrl is empty: set it (environment Simulator__CallbackUrl) to the inbox's /wx/callback, e.g. http://127.0.0.1:5000/wx/callback.");
        }

        if (users.Find(openId) is null)
        {
            return Refused(StatusCodes.Status404NotFound, "Unknown user", $"No test user '{openId}'; add one with POST /sim/users.");
        }

        // Note: for a code WeChat does not know, or one past its expiry, the phone shows the code is invalid and the
        // account hears nothing.
        if (codes.FindByUrl(url) is not { } qr)
        {
            return Refused(StatusCodes.Status404NotFound, "Unknown QR code",
                $"'{url}' is not the content of a QR code made by qrcode/create; WeChat shows 「二维码无效」 and pushes nothing.");
        }

        if (qr.ExpiredAt(time.GetUtcNow()))
        {
            return Refused(StatusCodes.Status410Gone, "QR code expired",
                $"The {qr.ActionName} code expired at {qr.ExpiresAt:O}; WeChat shows 「二维码已过期」 and pushes nothing.");
        }

        // Rule: a follower's scan pushes SCAN with EventKey = the scene; anyone else follows and pushes subscribe with
        // EventKey qrscene_<scene>; both carry Ticket (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
        var following = conversations.For(openId).Following;
        var (action, eventName, eventKey) = following
            ? (UserAction.Scan, "SCAN", qr.Scene)
            : (UserAction.Subscribe, "subscribe", "qrscene_" + qr.Scene);
        var result = await delivery.SendAsync(openId, action, callbackMode!.Value, null, eventKey, qr.Ticket);
        return new ScanOutcome(new ScanResponse(eventName, eventKey, qr.Ticket, result), null, null);
    }

    private static ScanOutcome Refused(int status, string title, string detail) => new(null, null, (status, title, detail));
}

/// <summary>What a scan (<see cref="QrCodeScanning.ScanAsync"/>) came to.</summary>
internal sealed record ScanOutcome(ScanResponse? Response, Dictionary<string, string[]>? Problems, (int Status, string Title, string Detail)? Refusal);

/// <summary>Body of <c>POST /sim/users/{openid}/scan</c>.</summary>
/// <param name="Url">The QR content: the <c>url</c> qrcode/create answered.</param>
/// <param name="Mode"><c>plain</c> (default), <c>compat</c> or <c>aes</c>.</param>
internal sealed record ScanRequest(string? Url, string? Mode);

/// <summary>Answer of <c>POST /sim/users/{openid}/scan</c>: the event pushed, and what the phone then showed.</summary>
/// <param name="Event"><c>SCAN</c> (the user followed already) or <c>subscribe</c> (the user followed by scanning).</param>
/// <param name="EventKey">The scene, or <c>qrscene_</c> + the scene for a subscribe.</param>
/// <param name="Ticket">The code's ticket, as in the event.</param>
internal sealed record ScanResponse(string Event, string EventKey, string Ticket, [property: JsonIgnore] SendMessageResponse Delivery)
{
    /// <summary><c>passive</c>, <c>customer_service</c> or <c>none</c>.</summary>
    public string Via => Delivery.Via;

    /// <summary>The text the user sees ("" for none).</summary>
    public string Reply => Delivery.Reply;

    public int Attempts => Delivery.Attempts;

    public long ElapsedMs => Delivery.ElapsedMs;

    public IReadOnlyList<string> Errors => Delivery.Errors;

    public long CreateTime => Delivery.CreateTime;
}
