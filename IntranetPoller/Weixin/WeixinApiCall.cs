using System.Globalization;
using System.Net;
using System.Text.Json;
using Weixin.Inbox.IntranetPoller.Diagnostics;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>
/// One call to WeChat's server API turned into a <see cref="WeixinResult{T}"/>. WeChat answers errors as HTTP 200
/// with <c>errcode</c>/<c>errmsg</c>; transport failures, 5xx, unreadable bodies and errcode -1 become
/// <see cref="WeixinOutcome.Unreachable"/>.
/// </summary>
internal static class WeixinApiCall
{
    /// <summary>
    /// Sends <paramref name="request"/>; <paramref name="path"/> names the call in results (never the URL: it carries
    /// secrets). The outcome goes to <paramref name="alerts"/> (48001 and 40164 raise an alert, a success ends it).
    /// </summary>
    public static async Task<WeixinResult<T>> SendAsync<T>(
        HttpClient http, HttpRequestMessage request, string path, Func<T, bool> isComplete, WeixinAlerts alerts, CancellationToken cancellationToken)
        where T : class
    {
        var result = await SendOnceAsync(http, request, path, isComplete, cancellationToken);
        alerts.Observe(path, result);
        if (result.Outcome != WeixinOutcome.Ok)
        {
            PollerMetrics.WeixinApiErrors
                .WithLabels(path, result.Outcome == WeixinOutcome.Error || result.ErrCode != 0 ? result.ErrCode.ToString(CultureInfo.InvariantCulture) : "unreachable")
                .Inc();
        }

        return result;
    }

    private static async Task<WeixinResult<T>> SendOnceAsync<T>(
        HttpClient http, HttpRequestMessage request, string path, Func<T, bool> isComplete, CancellationToken cancellationToken)
        where T : class
    {
        // Note: the URL or body carries the AppSecret, a code or an access_token, so neither it nor an exception
        // message that could echo it is ever put into a result or a log line; only the path is.
        using var owned = request;
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.TooManyRequests)
            {
                return WeixinResult.Unreachable<T>($"{path} answered HTTP {(int)response.StatusCode}");
            }

            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout)
            {
                // Note: a gateway's 5xx or 408 does not say whether WeChat behind it carried the request out.
                return WeixinResult.Unanswered<T>($"{path} answered HTTP {(int)response.StatusCode}");
            }

            if (!response.IsSuccessStatusCode)
            {
                return WeixinResult.Error<T>((int)response.StatusCode, $"{path} answered HTTP {(int)response.StatusCode}");
            }

            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            // Note: without a connection the request never left; any later failure may have reached WeChat.
            var neverSent = ex.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;
            var reason = $"{path}: network error {ex.HttpRequestError}";
            return neverSent ? WeixinResult.Unreachable<T>(reason) : WeixinResult.Unanswered<T>(reason);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return WeixinResult.Unanswered<T>($"{path}: timed out after {http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errcode", out var errCodeElement)
                && errCodeElement.TryGetInt32(out var errCode) && errCode != 0)
            {
                var errMsg = document.RootElement.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return errCode == WeixinErrorCodes.SystemBusy
                    ? WeixinResult.Unreachable<T>($"{path}: errcode -1 (system busy) {errMsg}", errCode)
                    : WeixinResult.Error<T>(errCode, errMsg);
            }

            var value = document.Deserialize<T>();
            return value is not null && isComplete(value)
                ? WeixinResult.Ok<T>(value)
                : WeixinResult.Unanswered<T>($"{path}: answer without the expected fields");
        }
        catch (JsonException)
        {
            // Note: an HTML page from a proxy or a truncated body is treated as a transient failure.
            return WeixinResult.Unanswered<T>($"{path}: answer is not JSON");
        }
    }
}
