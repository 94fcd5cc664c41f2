using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Weixin.Inbox.WeixinSimulator.Html;

/// <summary>Mobile-first HTML shell shared by the simulator's pages.</summary>
internal static class HtmlPage
{
    private const string Style = """
        *{box-sizing:border-box}
        body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#ededed;color:#191919;font-size:16px}
        header{background:#fff;padding:14px 16px;text-align:center;font-weight:600;border-bottom:1px solid #e5e5e5}
        main{max-width:480px;margin:0 auto;padding:16px}
        .card{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px}
        .muted{color:#7f7f7f;font-size:14px}
        .user{display:flex;align-items:center;gap:12px;padding:10px 4px;border-bottom:1px solid #f0f0f0;cursor:pointer}
        .user:last-child{border-bottom:none}
        .user img{width:44px;height:44px;border-radius:6px;background:#f2f2f2}
        .user span{flex:1}
        .buttons{display:flex;flex-direction:column;gap:12px}
        button,.button{display:block;width:100%;padding:12px;border:none;border-radius:6px;font-size:17px;font-weight:600;text-align:center;text-decoration:none}
        .allow{background:#07c160;color:#fff}
        .deny{background:#f2f2f2;color:#06ae56}
        .error{text-align:center;padding:48px 16px}
        .error .icon{font-size:56px;color:#fa5151}
        code{font-size:13px;background:#f6f6f6;padding:1px 4px;border-radius:3px;word-break:break-all}
        li{margin:6px 0}
        .field{width:100%;padding:10px;font-size:16px;border:1px solid #e5e5e5;border-radius:6px}
        .pre{white-space:pre-wrap;word-break:break-word}
        select{font-size:16px;max-width:100%}
        """;

    /// <summary>HTML-encodes text for element content and attribute values.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static ContentHttpResult Render(string title, string body, int statusCode = StatusCodes.Status200OK)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no\">")
            .Append("<title>").Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body>")
            .Append("<header>").Append(E(title)).Append("</header><main>")
            .Append(body)
            .Append("</main></body></html>")
            .ToString();
        return TypedResults.Content(html, "text/html", Encoding.UTF8, statusCode);
    }

    /// <summary>A page in the style of WeChat's 「参数错误」 page, answered with status 400.</summary>
    public static ContentHttpResult Error(string message, string? detail = null) =>
        Render(
            "微信授权（模拟器）",
            $"""
            <div class="error"><div class="icon">!</div>
            <h2>{E(message)}</h2>
            <p class="muted">Oops! Something went wrong:(</p>
            {(detail is null ? "" : $"<p class=\"muted\">{E(detail)}</p>")}
            </div>
            """,
            StatusCodes.Status400BadRequest);
}
