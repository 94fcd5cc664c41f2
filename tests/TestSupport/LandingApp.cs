using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Testing;

/// <summary>
/// Stands in for the LAN app in pipeline tests: the pages the browser lands on (<c>/login/weixin/done?ticket=</c>,
/// <c>/login?err=</c>) and the message hook. The real CRM is CrmApp. The hook checks the gateway's signature,
/// answers 「收到：…」, sleeps when the text starts with <c>慢</c> followed by milliseconds, and counts calls per sender.
/// </summary>
public sealed class LandingApp : IAsyncDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private LandingApp(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Hook calls by sender openid.</summary>
    public ConcurrentDictionary<string, int> HookCalls { get; } = new();

    /// <summary>Hook requests refused for a bad signature.</summary>
    public int RefusedHookCalls => _refused;

    private int _refused;

    /// <param name="hookKey">The key the gateway signs hook calls with (its <c>CrmHook:SigningKeys:0</c>).</param>
    public static async Task<LandingApp> StartAsync(string hookKey)
    {
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var landing = new LandingApp(app, new Uri($"http://127.0.0.1:{port}/"));
        var verifier = new RequestVerifier(new SigningOptions { Keys = [hookKey] }, TimeProvider.System);
        app.MapGet("/login/weixin/done", (string? ticket) => Html("已返回应用", $"收到登录凭据（{ticket?.Length ?? 0} 个字符）。"));
        app.MapGet("/login", (string? err) => Html("登录", $"错误代码：{err}"));
        app.MapGet("/login/weixin", () => Html("微信登录", "重新登录入口"));
        app.MapPost("/weixin/hook/message", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var target = http.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var failure = verifier.Verify(http.Request.Headers[SignedRequestHeaders.Id], http.Request.Headers[SignedRequestHeaders.Timestamp],
                http.Request.Headers[SignedRequestHeaders.Signature], http.Request.Method, target, buffer.ToArray());
            if (failure != SignatureFailure.None)
            {
                Interlocked.Increment(ref landing._refused);
                return Results.Unauthorized();
            }

            var request = System.Text.Json.JsonSerializer.Deserialize<MessageHookRequest>(buffer.ToArray(), WebJson)!;
            landing.HookCalls.AddOrUpdate(request.OpenId, 1, (_, n) => n + 1);
            if (request.Content is { Length: > 1 } content && content[0] == '慢' && int.TryParse(content[1..], out var delayMs))
            {
                await Task.Delay(delayMs);
            }

            var text = request.MsgType == "event" ? $"点击了菜单：{request.EventKey}" : $"收到：{request.Content}";
            return Results.Json(new MessageHookResponse(text));
        });
        await app.StartAsync();
        return landing;
    }

    private static IResult Html(string title, string text) => Results.Content(
        $"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1 id=\"title\">{title}</h1><p id=\"text\">{System.Net.WebUtility.HtmlEncode(text)}</p></body></html>",
        "text/html; charset=utf-8");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
