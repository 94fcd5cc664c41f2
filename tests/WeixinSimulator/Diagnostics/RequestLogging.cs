using System.Diagnostics;

namespace Weixin.Inbox.WeixinSimulator.Diagnostics;

internal static class RequestLogging
{
    /// <summary>
    /// Logs one line per request: method, path, status, elapsed time. Never the query string:
    /// it carries the AppSecret, codes and access tokens.
    /// </summary>
    public static IApplicationBuilder UseRequestLine(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("WeixinSimulator.Requests");
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                logger.LogInformation(
                    "{Method} {Path} -> {StatusCode} in {Elapsed:0.0} ms",
                    context.Request.Method,
                    context.Request.Path.Value,
                    context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }
}
