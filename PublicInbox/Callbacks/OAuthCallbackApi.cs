using System.Data.Common;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.Waiting;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>
/// WeChat's OAuth redirect lands here. The callback is stored first; only then does the browser get its
/// per-item cookie and move on to the waiting page.
/// </summary>
public static class OAuthCallbackApi
{
    private const int MaxStateLength = 128;
    private const int MaxCodeLength = 256;

    public static IEndpointRouteBuilder MapOAuthCallback(this IEndpointRouteBuilder app)
    {
        app.MapGet("/wx/oauth/callback", HandleCallbackAsync);
        return app;
    }

    public static async Task<IResult> HandleCallbackAsync(
        HttpContext http,
        ItemStore items,
        IOptions<InboxOptions> options,
        ILoggerFactory loggers,
        string? code,
        string? state)
    {
        var logger = loggers.CreateLogger(typeof(OAuthCallbackApi));
        if (string.IsNullOrEmpty(state) || state.Length > MaxStateLength || !state.All(char.IsAsciiLetterOrDigit)
            || (code is not null && (code.Length > MaxCodeLength || !IsToken(code))))
        {
            logger.LogWarning("Refused OAuth callback with a missing or malformed state/code from {RemoteIp}", http.Connection.RemoteIpAddress);
            return BrowserPage.Message(StatusCodes.Status400BadRequest, "登录链接无效",
                "这个登录链接缺少必要的参数或已被改动。请回到应用重新点击「微信登录」。", options.Value.RetryLoginUrl);
        }

        var cookieValue = WaitCookie.NewValue();
        var item = new InboxItem
        {
            Kind = InboxItemKinds.OAuth,
            Status = InboxItemStatuses.Pending,
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
            OAuthCode = string.IsNullOrEmpty(code) ? null : code,
            OAuthState = state,
            RemoteIp = http.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Clip(http.Request.Headers.UserAgent.ToString(), 512, emptyAsNull: true),
            CookieHash = WaitCookie.Hash(cookieValue),
        };

        try
        {
            await items.StoreAsync(item, http.RequestAborted);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            // Note: store first, answer second: without a committed row we must not pretend the login is under way.
            logger.LogError(ex, "Could not store an OAuth callback: database unavailable");
            http.Response.Headers.RetryAfter = "5";
            return BrowserPage.Message(StatusCodes.Status503ServiceUnavailable, "服务暂时不可用",
                "登录服务暂时无法保存您的请求，请稍后重新点击「微信登录」。", options.Value.RetryLoginUrl);
        }

        WaitCookie.Append(http, item.Id, cookieValue);
        return new SeeOtherResult($"/wx/wait/{item.Id}");
    }

    // Note: WeChat only carries a state of a-zA-Z0-9 (at most 128 bytes), which is all the gateway issues
    // (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html); codes are
    // URL-safe tokens. Anything else is tampering and is not stored.
    private static bool IsToken(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~');


    /// <summary>303 See Other: the browser follows with a GET whatever the original method.</summary>
    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            httpContext.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }
    }
}
