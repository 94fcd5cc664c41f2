using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.CallbackIps;

/// <summary>
/// This instance's copy of WeChat's callback IP list, read from MySQL at most every <see cref="MaxAge"/> (so a list
/// handed in through another instance is used here within that time) instead of once per callback.
/// </summary>
public sealed class CallbackIpCache(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>How long a read list is used before MySQL is asked again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private volatile Snapshot? _snapshot;

    /// <summary>The current list (from MySQL when the copy is older than <see cref="MaxAge"/>).</summary>
    public async Task<CallbackIpList> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshot is { } cached && now - cached.ReadAt < MaxAge)
        {
            return cached.List;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var list = await scope.ServiceProvider.GetRequiredService<CallbackIpStore>().ReadAsync(cancellationToken);
            _snapshot = new Snapshot(list, now);
            return list;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException && _snapshot is not null)
        {
            // Note: MySQL away for a moment: the last list read is still WeChat's list (it changes rarely).
            return _snapshot!.List;
        }
    }

    /// <summary>Forgets the copy, so the next callback reads the list just stored.</summary>
    public void Invalidate() => _snapshot = null;

    private sealed record Snapshot(CallbackIpList List, DateTimeOffset ReadAt);
}

/// <summary>
/// With <c>Inbox:RestrictCallbacksToWeixinIps=true</c>, <c>/wx/callback</c> (GET and POST) from an address not on WeChat's
/// callback IP list is refused with 403 before its body is read, and logged. The client's address is the one resolved
/// through <c>Inbox:TrustedProxies</c> (as the admin allow-list sees it).
/// </summary>
/// <remarks>
/// Before any list has arrived (a new installation whose poller has not fetched one yet, or the poller cannot reach
/// WeChat's API) callbacks are <b>accepted</b>, with a warning logged at most once a minute and <c>/readyz</c>'s
/// <c>weixinCallbackIps</c> check degraded (<c>waiting</c>). Why not refuse: refusing would drop every real message
/// (WeChat gives up after three tries) for as long as the poller is away, silently from WeChat's side; the
/// signature checks still hold meanwhile, so the restriction is defence in depth and its absence is visible.
/// </remarks>
public sealed class CallbackIpRestrictionMiddleware(RequestDelegate next, IOptionsMonitor<InboxOptions> options, CallbackIpCache cache, TimeProvider time, ILogger<CallbackIpRestrictionMiddleware> logger)
{
    /// <summary>The path the restriction guards.</summary>
    public const string CallbackPath = "/wx/callback";

    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);
    private long _lastUncheckedWarningTicks;

    public async Task InvokeAsync(HttpContext http)
    {
        if (!options.CurrentValue.RestrictCallbacksToWeixinIps || !IsCallback(http))
        {
            await next(http);
            return;
        }

        CallbackIpList list;
        try
        {
            list = await cache.GetAsync(http.RequestAborted);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // Note: 503 makes WeChat retry; the callback could not be stored without MySQL anyway.
            logger.LogError(ex, "Could not read WeChat's callback IP list: database unavailable");
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await http.Response.WriteAsync("temporarily unavailable", http.RequestAborted);
            return;
        }

        var remote = http.Connection.RemoteIpAddress;
        if (!list.HasArrived)
        {
            WarnUnchecked(remote);
            await next(http);
            return;
        }

        if (!list.Contains(remote))
        {
            logger.LogWarning("Refused {Method} {Path} from {RemoteIp}: not on WeChat's callback IP list (Inbox:RestrictCallbacksToWeixinIps, list of {UpdatedAt:O})",
                http.Request.Method, CallbackPath, remote, list.UpdatedAt);
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("forbidden source address", http.RequestAborted);
            return;
        }

        await next(http);
    }

    /// <summary>
    /// True for a request routed to <c>/wx/callback</c>, however its path is spelt (<c>/WX/Callback/</c> routes there
    /// too), so a variant spelling cannot get past the check.
    /// </summary>
    private static bool IsCallback(HttpContext http) =>
        http.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: CallbackPath }
        || http.Request.Path.StartsWithSegments(CallbackPath, StringComparison.OrdinalIgnoreCase);

    private void WarnUnchecked(System.Net.IPAddress? remote)
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastUncheckedWarningTicks);
        if (now - last >= WarningInterval.Ticks && Interlocked.CompareExchange(ref _lastUncheckedWarningTicks, now, last) == last)
        {
            logger.LogWarning("Inbox:RestrictCallbacksToWeixinIps is on but no WeChat callback IP list has arrived from a poller yet: " +
                "accepting {Path} from {RemoteIp} unchecked until one does (is the poller running and able to call cgi-bin/getcallbackip?)", CallbackPath, remote);
        }
    }
}

/// <summary>
/// The readiness check <c>weixinCallbackIps</c>: <c>off</c> without <c>Inbox:RestrictCallbacksToWeixinIps</c>; else <c>ok</c>
/// with the list's size and date, <c>waiting</c> (degraded) before any list arrived, <c>stale</c> (degraded) when the
/// newest is older than three days (the poller fetches it daily). Never worse than degraded: the inbox keeps storing.
/// </summary>
public sealed class CallbackIpsCheck(CallbackIpCache cache, IOptionsMonitor<InboxOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "weixinCallbackIps";

    private static readonly TimeSpan StaleAfter = TimeSpan.FromDays(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.CurrentValue.RestrictCallbacksToWeixinIps)
        {
            return HealthCheckResult.Healthy(data: new Dictionary<string, object> { [HealthCheckExtensions.StateKey] = "off" });
        }

        CallbackIpList list;
        try
        {
            list = await cache.GetAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded(data: new Dictionary<string, object> { [HealthCheckExtensions.StateKey] = "unknown" });
        }

        if (list.UpdatedAt is not { } updated)
        {
            return HealthCheckResult.Degraded("No WeChat callback IP list has arrived yet: /wx/callback is accepted from any address.",
                data: new Dictionary<string, object> { [HealthCheckExtensions.StateKey] = "waiting" });
        }

        var data = new Dictionary<string, object>
        {
            [HealthCheckExtensions.StateKey] = time.GetUtcNow().UtcDateTime - updated > StaleAfter ? "stale" : "ok",
            ["UpdatedAt"] = DateTime.SpecifyKind(updated, DateTimeKind.Utc),
            ["Count"] = list.Networks.Count,
        };
        return (string)data[HealthCheckExtensions.StateKey] == "ok" ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded(data: data);
    }
}
