using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>
/// Answers 503 with <c>Retry-After</c> (not a 500 with a stack trace) when a request fails because the inbox's database
/// cannot be reached, and logs one line instead of an exception per request.
/// </summary>
/// <remarks>
/// Note: found by issue 15's topology test, which restarts MariaDB under load: the waiting page's status poll and the
/// poller's claim answered 500 and logged an unhandled exception each, every second, for the whole outage. Both
/// callers retry on their own (the page's script, the poller's loop, WeChat's three attempts), so a 503 is the truthful
/// answer: nothing was stored, try again. Only connection-level failures count; a deadlock, a constraint violation or
/// a bug still surfaces as the 500 it is. A page a person opens (an endpoint marked <see cref="BrowserPageEndpoint"/>: the
/// 「正在登录…」 page) gets the same 503 as a Chinese page instead of JSON: the topology test saw a phone's browser, landing
/// on the waiting page while MariaDB restarted, shown a problem+json body.
/// </remarks>
public sealed class DatabaseOutageMiddleware(RequestDelegate next, ILogger<DatabaseOutageMiddleware> logger)
{
    /// <summary>Seconds a client is asked to wait before trying again.</summary>
    public const int RetryAfterSeconds = 2;

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted && IsOutage(ex))
        {
            logger.LogWarning("Database unreachable: {Method} {Path} answered 503 ({Reason})",
                http.Request.Method, http.Request.Path, ex.GetBaseException().Message);
            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (http.GetEndpoint()?.Metadata.GetMetadata<BrowserPageEndpoint>() is not null)
            {
                // Note: the login itself is stored (the page is reached only after the callback's row committed) and goes
                // on once the database is back; reloading the page picks it up again.
                await BrowserPage.Message(StatusCodes.Status503ServiceUnavailable, "服务暂时不可用",
                    "登录服务暂时无法访问数据库，您的登录没有丢失。请几秒后刷新本页面；若一直无法打开，请回到应用重新点击「微信登录」。",
                    http.RequestServices.GetRequiredService<IOptions<InboxOptions>>().Value.RetryLoginUrl).ExecuteAsync(http);
                return;
            }

            await Results.Problem(
                title: "暂时无法访问数据库，请稍后重试 / the database is unreachable, try again shortly",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?> { ["code"] = "database_unavailable" }).ExecuteAsync(http);
        }
    }

    /// <summary>True when <paramref name="exception"/> (or an inner one) says the database could not be reached or went away.</summary>
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown }:
                case MySqlEndOfStreamException:
                case SocketException:
                    return true;
            }
        }

        return false;
    }
}

/// <summary>Endpoint metadata: a page a person opens in a browser, so an outage is answered with a page, not JSON.</summary>
public sealed class BrowserPageEndpoint
{
    public static readonly BrowserPageEndpoint Instance = new();

    private BrowserPageEndpoint()
    {
    }
}

/// <summary>Registers <see cref="DatabaseOutageMiddleware"/>.</summary>
public static class DatabaseOutageExtensions
{
    /// <summary>Early in the pipeline (after request logging, so the 503 is logged with its correlation id).</summary>
    public static WebApplication UseDatabaseOutageAnswers(this WebApplication app)
    {
        app.UseMiddleware<DatabaseOutageMiddleware>();
        return app;
    }
}
