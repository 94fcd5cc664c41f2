using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Health;

/// <summary>Liveness and readiness probes (no authentication, no secrets).</summary>
public static class HealthApi
{
    /// <summary>Maps <c>/healthz</c> (the process answers) and <c>/readyz</c> (the database answers).</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Healthz);
        app.MapGet("/readyz", Readyz);
        return app;
    }

    /// <summary>200 "ok" while the process serves requests.</summary>
    public static ContentHttpResult Healthz() => TypedResults.Text("ok");

    /// <summary>200 "ok" when <c>SELECT 1</c> succeeds within 3 s, else 503.</summary>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Readyz(GatewayDbContext db, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            return TypedResults.Text("ok");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            loggers.CreateLogger(typeof(HealthApi)).LogWarning("Readiness check failed: {Reason}", ex.Message);
            return TypedResults.Problem(title: "Database unavailable.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
