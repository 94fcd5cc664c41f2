using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.Testing;

/// <summary>
/// Stands in for the LAN app's pages that the browser lands on (<c>/login/weixin/done?ticket=</c>, <c>/login?err=</c>);
/// it only shows what arrived. The real CRM is CrmApp.
/// </summary>
public sealed class LandingApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LandingApp(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<LandingApp> StartAsync()
    {
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/login/weixin/done", (string? ticket) => Html("已返回应用", $"收到登录凭据（{ticket?.Length ?? 0} 个字符）。"));
        app.MapGet("/login", (string? err) => Html("登录", $"错误代码：{err}"));
        app.MapGet("/login/weixin", () => Html("微信登录", "重新登录入口"));
        await app.StartAsync();
        return new LandingApp(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    private static IResult Html(string title, string text) => Results.Content(
        $"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1 id=\"title\">{title}</h1><p id=\"text\">{System.Net.WebUtility.HtmlEncode(text)}</p></body></html>",
        "text/html; charset=utf-8");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
