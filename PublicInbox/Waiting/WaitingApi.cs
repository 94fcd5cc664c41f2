using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.RateLimits;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>What the waiting page's script reads every second.</summary>
/// <param name="State">queued | processing | done | failed | expired.</param>
/// <param name="Message">Chinese text for the user.</param>
/// <param name="RedirectUrl">Where to go next (done only).</param>
/// <param name="RetryUrl">Where 「重新登录」 goes (failed and expired).</param>
/// <param name="ReceivedAt">When the inbox stored the callback.</param>
/// <param name="Deadline">When the inbox stops waiting for the intranet.</param>
/// <param name="IntranetLastSeenAt">When a poller last asked for work; null when never.</param>
/// <param name="IntranetSilent">True when no poller has asked for work for longer than the threshold.</param>
public sealed record WaitStatus(
    string State,
    string Message,
    string? RedirectUrl,
    string? RetryUrl,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? Deadline,
    DateTimeOffset? IntranetLastSeenAt,
    bool IntranetSilent);

/// <summary>The 「正在登录…」 page and its status endpoint; both need the item's cookie.</summary>
public static class WaitingApi
{
    public static IEndpointRouteBuilder MapWaiting(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/wx/wait/{id:long}");
        group.MapGet("", GetPageAsync).WithMetadata(BrowserPageEndpoint.Instance);
        // Note: one long-poll at a time per wait cookie (RateLimits:WaitPerCookie); the page's script waits Retry-After on a 429.
        group.MapGet("/status", GetStatusAsync).RequireRateLimiting(RateLimitPolicies.WaitLongPoll);
        return app;
    }

    public static async Task<BrowserPage> GetPageAsync(long id, HttpContext http, InboxDbContext db, IOptions<InboxOptions> options)
    {
        // Note: without the item's cookie the answer is known without reading the database.
        var item = HasCookie(http, id) ? await db.Items.AsNoTracking().Where(i => i.Id == id).Select(i => new { i.CookieHash }).SingleOrDefaultAsync(http.RequestAborted) : null;
        if (item is null || !WaitCookie.Matches(http, id, item.CookieHash))
        {
            return ForeignBrowser(options.Value);
        }

        return BrowserPage.Waiting(id, options.Value.LoginTimeout, options.Value.RetryLoginUrl);
    }

    public static async Task<IResult> GetStatusAsync(
        long id, HttpContext http, InboxDbContext db, ItemStore items, InboxSignals signals, IOptions<InboxOptions> options)
    {
        var settings = options.Value;
        var item = HasCookie(http, id) ? await db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, http.RequestAborted) : null;
        if (item is null || !WaitCookie.Matches(http, id, item.CookieHash))
        {
            return Results.Json(new { state = "forbidden", message = "请在发起登录的浏览器中打开此页面。" }, statusCode: StatusCodes.Status403Forbidden);
        }

        // Note: long polling: with ?known=<state> the answer is held (up to LongPollHold) until the state changes,
        // so the page learns of the result within ~0.2 s instead of at its next one-second poll.
        string? known = http.Request.Query["known"];
        var holdUntil = items.UtcNow + LongPollHold;
        WaitStatus status;
        try
        {
            while (true)
            {
                (item, status) = await CurrentStatusAsync(item, db, items, settings, http.RequestAborted);
                if (known is null || status.State != known || items.UtcNow >= holdUntil)
                {
                    break;
                }

                await signals.ItemChangedOrAsync(id, LongPollStep, http.RequestAborted);
                http.RequestAborted.ThrowIfCancellationRequested();
                item = await db.Items.AsNoTracking().SingleAsync(i => i.Id == id, http.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // Note: the browser dropped the long-poll (a reload, a closed tab): no error, and its place for this
            // cookie (RateLimits:WaitPerCookie) is free again at once. 499 as nginx logs a request the client closed.
            return Results.StatusCode(ClientClosedRequest);
        }
        finally
        {
            signals.Forget(id);
        }

        if (status.State == "done" && item.RedirectedAt is null)
        {
            await items.MarkRedirectedAsync(id, item.CorrelationId, http.RequestAborted);
        }

        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(status);
    }

    /// <summary>How long a long-polling status request is held at most.</summary>
    public static readonly TimeSpan LongPollHold = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan LongPollStep = TimeSpan.FromMilliseconds(300);

    private const int ClientClosedRequest = 499;

    private static async Task<(InboxItem Item, WaitStatus Status)> CurrentStatusAsync(
        InboxItem item, InboxDbContext db, ItemStore items, InboxOptions settings, CancellationToken cancellationToken)
    {
        var id = item.Id;
        if (item.Status is InboxItemStatuses.Pending or InboxItemStatuses.Leased && item.Deadline <= items.UtcNow)
        {
            // Note: the sweeper would get there within seconds; doing it here makes the page's answer exact.
            await items.ExpireOverdueAsync(id, cancellationToken);
            item = await db.Items.AsNoTracking().SingleAsync(i => i.Id == id, cancellationToken);
        }

        var lastSeen = await items.LastPollerContactAsync(cancellationToken);
        var silent = lastSeen is null || items.UtcNow - lastSeen.Value > settings.PollerSilenceThreshold;
        var status = item.Status switch
        {
            InboxItemStatuses.Pending => Status("queued", silent
                ? $"排队中：内网服务{SilenceText(lastSeen)}，请求已保存，正在等待它恢复…"
                : "排队中：已收到微信授权，等待内网服务处理…"),
            InboxItemStatuses.Leased => Status("processing", "处理中：内网服务正在向微信确认您的身份…"),
            // Note: the ticket is cleared once handed out (or expired unused); a reload, the back button or a late browser
            // must not be sent on with a URL that no longer carries it.
            InboxItemStatuses.Done when item.Outcome == "ticket_issued" && ItemStore.WithoutTicket(item.RedirectUrl) == item.RedirectUrl => Status("failed",
                "这次登录的结果已经交给浏览器（或已过期），不能再次使用。如需登录，请重新开始。", retry: true),
            InboxItemStatuses.Done when settings.IsAllowedRedirect(item.RedirectUrl) => Status("done",
                item.Outcome == "ticket_issued" ? "登录成功，正在跳转…" : "登录未完成，正在返回应用查看原因…", redirect: item.RedirectUrl),
            InboxItemStatuses.Done => Status("failed", "登录结果指向了不被允许的地址，已拦截。请联系管理员。", retry: true),
            InboxItemStatuses.Failed => Status("failed", "内网服务处理登录时出错，请重新登录。", retry: true),
            _ => Status("expired", $"内网服务在 {settings.LoginTimeout.TotalSeconds:0} 秒内没有响应（{SilenceText(lastSeen)}）。您的请求已保存，没有丢失；请稍后重新登录，或联系管理员检查内网服务。", retry: true),
        };

        return (item, status);

        WaitStatus Status(string state, string message, string? redirect = null, bool retry = false) => new(
            state, message, redirect, retry ? settings.RetryLoginUrl : null,
            AsUtc(item.ReceivedAt), item.Deadline is { } d ? AsUtc(d) : null,
            lastSeen is { } seen ? AsUtc(seen) : null, silent);
    }

    private static string SilenceText(DateTime? lastSeen) => lastSeen is null
        ? "从未连接过公网收件箱"
        : $"自 {AsUtc(lastSeen.Value).ToOffset(TimeSpan.FromHours(8)):HH:mm:ss}（北京时间）起未再连接";

    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static bool HasCookie(HttpContext http, long id) => !string.IsNullOrEmpty(http.Request.Cookies[WaitCookie.Name(id)]);

    private static BrowserPage ForeignBrowser(InboxOptions options) => BrowserPage.Message(
        StatusCodes.Status403Forbidden,
        "请在原浏览器中继续",
        "这个登录进度只能在发起登录的浏览器中查看。如果您换了浏览器或清除了 Cookie，请重新登录。",
        options.RetryLoginUrl);
}
