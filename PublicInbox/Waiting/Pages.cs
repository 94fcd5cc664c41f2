using System.Net;
using System.Security.Cryptography;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>Small server-rendered pages for the browser (mobile-first, Chinese, WeChat's in-app browser).</summary>
public static class Pages
{
    internal const string Styles = """
        *{box-sizing:border-box}body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f2f3f5;color:#1f2329}
        main{max-width:420px;margin:0 auto;padding:48px 20px}
        .card{background:#fff;border-radius:12px;padding:28px 22px;box-shadow:0 1px 3px rgba(0,0,0,.06);text-align:center}
        h1{font-size:20px;margin:12px 0 8px}p{font-size:15px;line-height:1.6;color:#4e5969;margin:8px 0}
        .btn{display:block;margin:24px auto 0;padding:12px;border-radius:8px;background:#07c160;color:#fff;text-decoration:none;font-size:16px;max-width:260px}
        .muted{font-size:13px;color:#86909c}
        """;

    /// <summary>A page with a title, one paragraph and an optional 「重新登录」 link.</summary>
    public static IResult Message(int statusCode, string title, string text, string? retryUrl)
    {
        var nonce = NewNonce();
        var button = retryUrl is null ? "" : $"""<a class="btn" href="{WebUtility.HtmlEncode(retryUrl)}">重新登录</a>""";
        var html = $"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1">
            <title>{WebUtility.HtmlEncode(title)}</title><style nonce="{nonce}">{Styles}</style></head>
            <body><main><div class="card"><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p>{button}</div></main></body></html>
            """;
        return new HtmlResult(html, statusCode, nonce);
    }

    internal static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>HTML with a strict, nonce-based Content-Security-Policy and no caching.</summary>
    internal sealed class HtmlResult(string html, int statusCode, string nonce) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            response.Headers.ContentSecurityPolicy =
                $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
            await response.WriteAsync(html, httpContext.RequestAborted);
        }
    }
}
