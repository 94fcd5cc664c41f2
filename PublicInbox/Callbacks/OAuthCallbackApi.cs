using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Diagnostics;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.RateLimits;
using Weixin.Inbox.PublicInbox.Waiting;
using Weixin.Inbox.ServiceDefaults;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>Bundles what the OAuth callback needs (<c>[AsParameters]</c>).</summary>
public sealed record OAuthCallbackServices(
    ItemStore Items, RefusedCallbackLimiter Limiter, IOptions<InboxOptions> Options, ILoggerFactory Loggers);

/// <summary>
/// WeChat's OAuth redirect lands here. Only a state the poller announced (unused, unexpired) is stored; the callback is
/// stored first (consuming the state in the same transaction), and only then does the browser get its per-item cookie
/// and move on to the waiting page. Refusals store nothing and are counted per address (<see cref="RefusedCallbackLimiter"/>).
/// </summary>
public static class OAuthCallbackApi
{
    private const int MaxStateLength = 128;
    private const int MaxCodeLength = 256;

    /// <summary>Registers the state store and the refused-callback limiter (<c>Inbox:RefusedCallbackLimit</c>).</summary>
    public static IServiceCollection AddOAuthCallback(this IServiceCollection services)
    {
        services.AddScoped<OAuthStateStore>();
        services.AddOptions<RefusedCallbackLimitOptions>().BindConfiguration(RefusedCallbackLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RefusedCallbackLimiter>();
        return services;
    }

    public static IEndpointRouteBuilder MapOAuthCallback(this IEndpointRouteBuilder app)
    {
        // Note: a stored callback logs "Stored OAuth callback as item …" (ItemStore); the request line of its 303 adds
        // nothing but the time (in /metrics), so it is Debug: at a flood of logins, one line per callback instead of two.
        app.MapGet("/wx/oauth/callback", HandleCallbackAsync).WithQuietRequestLog();
        return app;
    }

    public static async Task<IResult> HandleCallbackAsync(
        HttpContext http,
        [AsParameters] OAuthCallbackServices s,
        string? code,
        string? state)
    {
        var logger = s.Loggers.CreateLogger(typeof(OAuthCallbackApi));
        var retryUrl = s.Options.Value.RetryLoginUrl;
        var client = http.Connection.RemoteIpAddress;
        if (string.IsNullOrEmpty(state) || state.Length > MaxStateLength || !state.All(char.IsAsciiLetterOrDigit)
            || (code is not null && (code.Length > MaxCodeLength || !IsToken(code))))
        {
            logger.LogWarning("Refused OAuth callback with a missing or malformed state/code from {RemoteIp}", client);
            return Refused(http, s, RefusalReasons.Malformed, StatusCodes.Status400BadRequest, "登录链接无效",
                "这个登录链接缺少必要的参数或已被改动。请回到应用重新点击「微信登录」。");
        }

        // Note: no separate check before storing: the batch that stores the callback reads its state with a locking read
        // and decides (ItemIngest), so an announced state passes even from an address over its refusal limit, and a
        // flood of made-up states costs one keyed read each, shared by the batch.
        var stateHash = OAuthStateHash.Bytes(state);
        var cookieValue = WaitCookie.NewValue();
        var item = new InboxItem
        {
            Kind = InboxItemKinds.OAuth,
            Status = InboxItemStatuses.Pending,
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
            OAuthCode = string.IsNullOrEmpty(code) ? null : code,
            OAuthState = state,
            RemoteIp = client?.ToString(),
            UserAgent = Clip(http.Request.Headers.UserAgent.ToString(), 512, emptyAsNull: true),
            CookieHash = WaitCookie.Hash(cookieValue),
        };

        StateVerdict verdict;
        try
        {
            // Note: the state is consumed in the transaction that inserts the item: of two parallel callbacks with one
            // state, the second finds it used (in the same batch, or after the first batch's row lock); a failed
            // insert leaves it unused.
            verdict = await s.Items.StoreLoginAsync(item, stateHash, http.RequestAborted);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            // Note: store first, answer second: without a committed row we must not pretend the login is under way.
            logger.LogError(ex, "Could not store an OAuth callback: database unavailable");
            return Unavailable(http, retryUrl);
        }

        if (verdict != StateVerdict.Announced)
        {
            return RefusedState(http, s, logger, verdict);
        }

        WaitCookie.Append(http, item.Id, cookieValue);
        return new SeeOtherResult($"/wx/wait/{item.Id}");
    }

    private static BrowserPage RefusedState(HttpContext http, OAuthCallbackServices s, ILogger logger, StateVerdict verdict)
    {
        logger.LogWarning("Refused OAuth callback from {RemoteIp}: state {Verdict}", http.Connection.RemoteIpAddress, verdict);
        // Note: a browser that reloads the callback after its login went through lands here (used): the page says
        // so plainly; its login carries on in the tab it has (the wait cookie is scoped to /wx/wait/{id}).
        return verdict == StateVerdict.Used
            ? Refused(http, s, RefusalReasons.Used, StatusCodes.Status409Conflict, "登录链接已使用",
                "这个登录链接已经使用过，不能再次使用。如果您刚刚已经完成登录，请直接回到应用；否则请回到应用重新点击「微信登录」。")
            : Refused(http, s, verdict == StateVerdict.Expired ? RefusalReasons.Expired : RefusalReasons.Unknown, StatusCodes.Status400BadRequest,
                "登录链接已失效", "这个登录链接已过期或无法识别。请回到应用重新点击「微信登录」。");
    }

    /// <summary>A refusal: counted per address; past the limit, 429 with <c>Retry-After</c> instead of the page.</summary>
    private static BrowserPage Refused(HttpContext http, OAuthCallbackServices s, string reason, int status, string title, string text)
    {
        InboxMetrics.OAuthCallbacksRefused.WithLabels(reason).Inc();
        if (s.Limiter.Refused(http.Connection.RemoteIpAddress) is { } wait)
        {
            InboxMetrics.OAuthCallbacksRefused.WithLabels(RefusalReasons.Limited).Inc();
            var seconds = TooManyRequests.SetHeaders(http, wait);
            return BrowserPage.Message(StatusCodes.Status429TooManyRequests, TooManyRequests.Title,
                $"您所在的网络短时间内打开了太多无效的登录链接，请约 {seconds} 秒后回到应用重新点击「微信登录」。", s.Options.Value.RetryLoginUrl);
        }

        return BrowserPage.Message(status, title, text, s.Options.Value.RetryLoginUrl);
    }

    private static BrowserPage Unavailable(HttpContext http, string retryUrl)
    {
        http.Response.Headers.RetryAfter = "5";
        return BrowserPage.Message(StatusCodes.Status503ServiceUnavailable, "服务暂时不可用",
            "登录服务暂时无法保存您的请求，请稍后重新点击「微信登录」。", retryUrl);
    }

    private static bool IsDatabaseFailure(Exception ex) =>
        ex is DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException;

    /// <summary>The <c>reason</c> label of <see cref="InboxMetrics.OAuthCallbacksRefused"/>.</summary>
    public static class RefusalReasons
    {
        public const string Malformed = "malformed";
        public const string Unknown = "unknown_state";
        public const string Expired = "expired_state";
        public const string Used = "used_state";

        /// <summary>Counted in addition to the reason when the address was over its limit (answered 429).</summary>
        public const string Limited = "rate_limited";
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
