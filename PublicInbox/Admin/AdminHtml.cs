using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// Server-rendered admin pages: Chinese text, China time (UTC+8) on screen, a strict nonce CSP (no external
/// resources, no inline handlers, no script at all).
/// </summary>
public static class AdminHtml
{
    public const string AntiforgeryField = "__af";

    /// <summary>The admin UI shows China Standard Time; the database keeps UTC.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private const string Styles = """
        *{box-sizing:border-box}body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f2f3f5;color:#1f2329;font-size:14px}
        header{background:#1f2329;color:#fff;padding:0 20px;display:flex;align-items:center;gap:18px;flex-wrap:wrap;min-height:52px}
        header b{font-size:16px;margin-right:12px}header a{color:#c9cdd4;text-decoration:none;padding:16px 4px}header a.on{color:#fff;border-bottom:2px solid #07c160}
        header form{margin-left:auto;display:flex;align-items:center;gap:10px;color:#c9cdd4}
        header button{background:none;border:1px solid #4e5969;color:#c9cdd4;border-radius:4px;padding:4px 10px;cursor:pointer}
        main{max-width:1200px;margin:0 auto;padding:20px}
        h1{font-size:20px;margin:4px 0 16px}h2{font-size:16px;margin:22px 0 10px}
        .card{background:#fff;border-radius:8px;padding:16px 18px;box-shadow:0 1px 3px rgba(0,0,0,.06);margin-bottom:16px;overflow-x:auto}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #f2f3f5;white-space:nowrap;vertical-align:top}
        th{color:#86909c;font-weight:normal;font-size:13px}td.wrap{white-space:normal;word-break:break-all}
        a{color:#165dff}.muted{color:#86909c;font-size:13px}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#f2f3f5}
        .s-pending{background:#fff7e8;color:#d25f00}.s-leased{background:#e8f3ff;color:#165dff}.s-done{background:#e8ffea;color:#00a23c}
        .s-failed{background:#ffece8;color:#cb2634}.s-expired{background:#f2f3f5;color:#4e5969}
        form.filters{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end}
        label{display:flex;flex-direction:column;gap:4px;color:#4e5969;font-size:13px}
        input,select{font:inherit;padding:6px 8px;border:1px solid #c9cdd4;border-radius:4px;background:#fff;min-width:120px}
        .btn{display:inline-block;font:inherit;padding:7px 16px;border-radius:4px;border:0;background:#07c160;color:#fff;cursor:pointer;text-decoration:none}
        .btn.secondary{background:#fff;color:#1f2329;border:1px solid #c9cdd4}.btn.danger{background:#f53f3f}
        .pager{display:flex;gap:10px;margin-top:12px;align-items:center}
        .alert{color:#cb2634;font-weight:bold;border-left:4px solid #f53f3f;background:#fff;padding:10px 14px;margin-bottom:16px}
        .ok{color:#00a23c}.error{color:#cb2634}
        .stats{display:flex;flex-wrap:wrap;gap:12px}.stat{color:inherit;text-decoration:none;background:#fff;border-radius:8px;padding:14px 18px;min-width:130px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
        .stat b{display:block;font-size:24px;margin-top:4px}
        ol.timeline{list-style:none;margin:0;padding:0}ol.timeline li{position:relative;padding:6px 0 12px 22px;border-left:2px solid #e5e6eb;margin-left:6px}
        ol.timeline li:before{content:"";position:absolute;left:-7px;top:9px;width:12px;height:12px;border-radius:50%;background:#07c160}
        ol.timeline li.bad:before{background:#f53f3f}ol.timeline li.admin:before{background:#165dff}
        pre{white-space:pre-wrap;word-break:break-all;background:#f7f8fa;padding:10px;border-radius:4px;margin:6px 0;font-size:12px}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}dt{color:#86909c}dd{margin:0;word-break:break-all}
        svg{max-width:100%;height:auto;background:#fff}
        .signin{max-width:360px;margin:60px auto}.signin label{margin-bottom:12px}.signin input{width:100%}
        """;

    public static string H(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string China(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + ChinaOffset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string ChinaMs(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + ChinaOffset).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>A duration for people: 850 ms, 3.2 秒, 4 分 10 秒, 2 小时 5 分, 3 天 4 小时.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 1 ? $"{span.TotalMilliseconds:0} ms"
            : span.TotalMinutes < 1 ? $"{span.TotalSeconds:0.0} 秒"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} 分 {span.Seconds} 秒"
            : span.TotalDays < 1 ? $"{(int)span.TotalHours} 小时 {span.Minutes} 分"
            : $"{(int)span.TotalDays} 天 {span.Hours} 小时";
    }

    public static string KindName(string kind) => kind switch
    {
        "oauth" => "网页授权登录",
        "message" => "消息",
        "event" => "事件",
        _ => kind,
    };

    public static string StatusName(string status) => status switch
    {
        "pending" => "排队中",
        "leased" => "处理中",
        "done" => "已完成",
        "failed" => "失败",
        "expired" => "已过期",
        _ => status,
    };

    public static string StatusBadge(string status) => $"""<span class="badge s-{H(status)}">{H(StatusName(status))}</span>""";

    /// <summary>A hidden antiforgery field for a form on this request.</summary>
    public static string AntiforgeryInput(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{AntiforgeryField}" value="{H(tokens.RequestToken)}">""";
    }

    /// <summary>A signed-in page: the navigation, the sign-out form and <paramref name="body"/>.</summary>
    public static IResult Page(HttpContext http, string title, string active, string body, int statusCode = StatusCodes.Status200OK)
    {
        var nonce = Pages.NewNonce();
        var user = AdminAuth.UserName(http.User) ?? "";
        var nav = new StringBuilder();
        foreach (var (href, key, text) in new[] { ("/admin", "dashboard", "概览"), ("/admin/items", "items", "收件记录"), ("/admin/audit", "audit", "审计日志") })
        {
            nav.Append(CultureInfo.InvariantCulture, $"""<a href="{href}"{(key == active ? " class=\"on\"" : "")}>{text}</a>""");
        }

        var html = $"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <title>{H(title)} · 公网收件箱管理</title><style nonce="{nonce}">{Styles}</style></head>
            <body><header><b>公网收件箱管理</b>{nav}
            <form method="post" action="/admin/logout">{AntiforgeryInput(http)}<span>{H(user)}</span><button type="submit">退出登录</button></form></header>
            <main><h1>{H(title)}</h1>
            {body}
            </main></body></html>
            """;
        return new Pages.HtmlResult(html, statusCode, nonce);
    }

    /// <summary>A page without navigation (sign-in, refusals).</summary>
    public static IResult Bare(string title, string body, int statusCode)
    {
        var nonce = Pages.NewNonce();
        var html = $"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <title>{H(title)} · 公网收件箱管理</title><style nonce="{nonce}">{Styles}</style></head>
            <body><main><div class="card signin"><h1>{H(title)}</h1>{body}</div></main></body></html>
            """;
        return new Pages.HtmlResult(html, statusCode, nonce);
    }

    /// <summary>A one-paragraph notice page.</summary>
    public static IResult Notice(int statusCode, string title, string text) => Bare(title, $"<p>{H(text)}</p>", statusCode);
}
