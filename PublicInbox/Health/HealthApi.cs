using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Health;

/// <summary><c>/readyz</c> (database reachable, and whether the poller was seen; <c>/healthz</c> is in ServiceDefaults). No secrets.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", ReadyAsync);
        return app;
    }

    /// <summary>
    /// 200 with <c>database: ok</c> and the poller's state (<c>ok</c>, <c>silent</c> longer than
    /// <c>Inbox:PollerSilenceThreshold</c>, or <c>never</c>) and last contact; 503 when MySQL does not answer.
    /// </summary>
    public static async Task<IResult> ReadyAsync(ItemStore items, IOptions<InboxOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            var lastSeen = await items.LastPollerContactAsync(cancellationToken);
            // Note: a silent intranet is reported, not made "not ready": the inbox must go on storing WeChat's
            // callbacks (that is its whole point while the poller is away), so a load balancer must keep it in.
            var poller = lastSeen is not { } seen ? "never"
                : items.UtcNow - seen > options.Value.PollerSilenceThreshold ? "silent"
                : "ok";
            return Results.Json(new { database = "ok", poller, pollerLastSeenAt = lastSeen is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : (DateTime?)null });
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return Results.Json(new { database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
