using System.Net;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>
/// The WeChat login's two ends on the CRM side: start (<c>/login/weixin</c>) and return (<c>/login/weixin/done</c>).
/// Accounts and binding come with the CRM itself; for now the returning user sees the confirmed WeChat identity.
/// </summary>
public static class WeixinLoginEndpoints
{
    public const string LoginCookie = "crm_wx_login";

    public static WebApplicationBuilder AddWeixinLogin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SigningOptions>("Gateway").Configure<IOptions<GatewayOptions>>((signing, gateway) => signing.Keys = [gateway.Value.ClientKey]);
        builder.Services.AddRefitGeneratedClient<IGatewayApi>()
            .ConfigureHttpClient((sp, c) =>
            {
                c.BaseAddress = new Uri(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.BaseUrl);
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Gateway", sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    public static IEndpointRouteBuilder MapWeixinLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("客户管理系统", """<p>欢迎使用客户管理系统。</p><a class="btn" href="/login">登录</a>"""));
        app.MapGet("/login", LoginPage);
        app.MapGet("/login/weixin", StartAsync);
        app.MapGet("/login/weixin/done", DoneAsync);
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        return app;
    }

    public static IResult LoginPage(string? err)
    {
        var error = err is null ? "" : $"""<p class="err">{WebUtility.HtmlEncode(LoginErrors.Describe(err))}</p>""";
        return Page("登录", error + """<a class="btn" href="/login/weixin">微信登录</a>""");
    }

    public static async Task<IResult> StartAsync(HttpContext http, IGatewayApi gateway, IOptions<GatewayOptions> options, ILogger<GatewayOptions> logger)
    {
        var baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        try
        {
            var login = await gateway.CreateLoginAsync(new CreateLoginRequest(baseUrl + "/login/weixin/done", baseUrl + "/login"), http.RequestAborted);
            http.Response.Cookies.Append(LoginCookie, login.LoginId, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                Path = "/login/weixin",
                Expires = login.ExpiresAt,
            });
            return Results.Redirect(login.AuthorizeUrl);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or TaskCanceledException)
        {
            logger.LogError(ex, "Could not start a WeChat login: gateway unavailable");
            return Page("暂时无法微信登录", """<p class="err">内网微信网关暂时不可用，请稍后重试。</p><a class="btn" href="/login">返回登录</a>""", StatusCodes.Status503ServiceUnavailable);
        }
    }

    public static async Task<IResult> DoneAsync(HttpContext http, string? ticket, IGatewayApi gateway, ILogger<GatewayOptions> logger)
    {
        if (string.IsNullOrEmpty(ticket) || !http.Request.Cookies.TryGetValue(LoginCookie, out var loginId) || string.IsNullOrEmpty(loginId))
        {
            return Results.Redirect("/login?err=" + LoginErrors.TicketInvalid);
        }

        try
        {
            var redeemed = await gateway.RedeemAsync(loginId, new RedeemTicketRequest(ticket), http.RequestAborted);
            http.Response.Cookies.Delete(LoginCookie, new CookieOptions { Path = "/login/weixin" });
            var user = redeemed.User;
            return Page("微信身份已确认", $"""
                <p>您好，<b id="nickname">{WebUtility.HtmlEncode(user.Nickname)}</b>。</p>
                <p class="muted">openid：<span id="openid">{WebUtility.HtmlEncode(user.OpenId)}</span></p>
                <p class="muted">第 {user.LoginCount} 次通过微信登录。账号绑定即将上线。</p>
                """);
        }
        catch (ApiException ex) when (ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            logger.LogWarning("WeChat ticket refused by the gateway ({Status})", ex.StatusCode);
            return Results.Redirect("/login?err=" + ProblemCode(ex));
        }
    }

    private static string ProblemCode(ApiException ex)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(ex.Content ?? "{}");
            return doc.RootElement.TryGetProperty("code", out var code) && LoginErrors.IsKnown(code.GetString()) ? code.GetString()! : LoginErrors.TicketInvalid;
        }
        catch (System.Text.Json.JsonException)
        {
            return LoginErrors.TicketInvalid;
        }
    }

    private static IResult Page(string title, string body, int status = StatusCodes.Status200OK) => Results.Content($$"""
        <!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>{{WebUtility.HtmlEncode(title)}}</title>
        <style>body{margin:0;font-family:"PingFang SC","Noto Sans CJK SC",sans-serif;background:#f2f3f5}main{max-width:420px;margin:0 auto;padding:48px 20px}
        .card{background:#fff;border-radius:12px;padding:28px 22px;text-align:center}.btn{display:block;margin:20px auto 0;padding:12px;border-radius:8px;background:#07c160;color:#fff;text-decoration:none;max-width:260px}
        .err{color:#f53f3f}.muted{color:#86909c;font-size:13px}</style></head>
        <body><main><div class="card"><h1>{{WebUtility.HtmlEncode(title)}}</h1>{{body}}</div></main></body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
