using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Health;

/// <summary><c>/healthz</c> (process alive) and <c>/readyz</c> (database reachable). No secrets in either.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", ReadyAsync);
        return app;
    }

    public static async Task<IResult> ReadyAsync(InboxDbContext db, ItemLifecycle lifecycle, CancellationToken cancellationToken)
    {
        try
        {
            var lastSeen = await lifecycle.LastPollerContactAsync(cancellationToken);
            return Results.Json(new { database = "ok", pollerLastSeenAt = lastSeen is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : (DateTime?)null });
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return Results.Json(new { database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
