using System.Globalization;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox.RateLimits;

/// <summary>
/// The one 429 answer of the inbox: <c>Retry-After</c> in whole seconds, never cached; the Chinese message page
/// 「请求过于频繁」 for a browser (its <c>Accept</c> names <c>text/html</c>), a problem JSON for scripts and other callers.
/// </summary>
public static class TooManyRequests
{
    /// <summary>Title of the page and of the problem.</summary>
    public const string Title = "请求过于频繁";

    /// <summary>Writes the answer; <paramref name="retryAfter"/> is rounded up to whole seconds (at least 1).</summary>
    public static Task WriteAsync(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = SetHeaders(http, retryAfter);
        var text = $"请在 {seconds} 秒后重试。";
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (WantsHtml(http.Request))
        {
            return BrowserPage.Message(StatusCodes.Status429TooManyRequests, Title, text, null).ExecuteAsync(http);
        }

        return Results.Problem(text, statusCode: StatusCodes.Status429TooManyRequests, title: Title,
            extensions: new Dictionary<string, object?> { ["retryAfter"] = seconds }).ExecuteAsync(http);
    }

    /// <summary>
    /// Sets <c>Retry-After</c> (whole seconds, rounded up, at least 1) and <c>Cache-Control: no-store</c>; answers the
    /// seconds, for a caller that renders a 429 page of its own (the OAuth callback's says what to do next).
    /// </summary>
    public static int SetHeaders(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        return seconds;
    }

    /// <summary>True when the caller is a browser navigating or posting a form (not <c>fetch</c>, which asks for <c>*/*</c> or JSON).</summary>
    public static bool WantsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
