using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serilog.Events;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// Endpoint metadata for hot endpoints whose successful requests say what happened in a line of their own (the OAuth
/// callback logs "Stored OAuth callback as item …"): their request log line is written at Debug when the answer is below
/// 400, so a burst costs one line per request instead of two. Errors and refusals (≥ 400), and requests that threw, stay
/// at Information; <c>Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Debug</c> brings the
/// lines back.
/// </summary>
public sealed class QuietRequestLog
{
    public static readonly QuietRequestLog Instance = new();

    /// <summary>The level of a request's completion line (<c>UseSerilogRequestLogging</c>'s <c>GetLevel</c>).</summary>
    public static LogEventLevel Level(HttpContext http, double elapsedMs, Exception? exception) =>
        exception is not null || http.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
        : http.Response.StatusCode < StatusCodes.Status400BadRequest && http.GetEndpoint()?.Metadata.GetMetadata<QuietRequestLog>() is not null ? LogEventLevel.Debug
        : LogEventLevel.Information;
}

public static class QuietRequestLogExtensions
{
    /// <summary>Marks the endpoint as <see cref="QuietRequestLog"/>.</summary>
    public static TBuilder WithQuietRequestLog<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(QuietRequestLog.Instance);
}
