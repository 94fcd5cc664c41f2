using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox.RateLimits;

/// <summary>
/// ASP.NET Core's rate limiter with the inbox's policies (<see cref="RateLimitPolicies"/>); every refusal is
/// <see cref="TooManyRequests"/>.
/// </summary>
public static class RateLimitsExtensions
{
    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy<string, WaitLongPollPolicy>(RateLimitPolicies.WaitLongPoll);
            o.AddPolicy<string, AdminSignInPolicy>(RateLimitPolicies.AdminSignIn);
        });
        return builder;
    }

    /// <summary>After <c>UseTrustedProxies</c> (the limits count the client's address) and the admin allow-list.</summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}

/// <summary>Names of the inbox's rate-limiting policies.</summary>
public static class RateLimitPolicies
{
    /// <summary>One long-poll at a time per wait cookie (<see cref="WaitLongPollPolicy"/>).</summary>
    public const string WaitLongPoll = "wait-long-poll";

    /// <summary>Sign-in POSTs per client address (<see cref="AdminSignInPolicy"/>).</summary>
    public const string AdminSignIn = "admin-sign-in";
}

/// <summary>
/// <c>/wx/wait/{id}/status?known=…</c>: a concurrency limit partitioned by the SHA-256 of the item's wait cookie, no
/// queue. Note: a partition lives only while a long-poll holds it (idle limiters are dropped), so a flood of made-up
/// cookies costs memory only for the requests in flight; and a stranger cannot use up the owner's partition without
/// the owner's cookie. Requests without the cookie are not counted here: the endpoint refuses them (403) itself.
/// Short polls (no <c>known</c>) answer at once and are not limited.
/// </summary>
public sealed class WaitLongPollPolicy(IOptions<RateLimitOptions> options, ILogger<WaitLongPollPolicy> logger) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, _) =>
    {
        var http = context.HttpContext;
        logger.LogInformation("Refused a second concurrent long-poll of wait item {ItemId} from {RemoteIp} (429)",
            http.Request.RouteValues["id"], AdminAuth.RemoteIp(http));
        await TooManyRequests.WriteAsync(http, options.Value.WaitPerCookie.RetryAfter);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!request.Query.ContainsKey("known")
            || request.RouteValues["id"] is not string id
            || !request.Cookies.TryGetValue(WaitCookie.Name(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)), out var cookie)
            || string.IsNullOrEmpty(cookie))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var limit = options.Value.WaitPerCookie;
        return RateLimitPartition.GetConcurrencyLimiter(id + ":" + WaitCookie.Hash(cookie), _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            QueueLimit = 0,
        });
    }
}

/// <summary>
/// POST <c>/admin/login</c>: a sliding window per client address over every sign-in attempt, whatever the name, so one
/// address cannot spray names (each name has its own lockout per address in <see cref="AdminSignIn"/>). Note: every
/// POST counts, not only the wrong ones: a limit that counted failures only would let a burst of parallel guesses all
/// pass before the first failure was recorded. GET (the form) is not limited.
/// </summary>
public sealed class AdminSignInPolicy(IOptions<RateLimitOptions> options, ILogger<AdminSignInPolicy> logger) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, _) =>
    {
        var http = context.HttpContext;
        var limit = options.Value.AdminSignInPerAddress;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : limit.Window;
        logger.LogWarning("Refused an admin sign-in from {RemoteIp}: more than {PermitLimit} sign-ins within {Window} from its address (429)",
            AdminAuth.RemoteIp(http), limit.PermitLimit, limit.Window);
        await TooManyRequests.WriteAsync(http, retryAfter);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        if (!HttpMethods.IsPost(httpContext.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var limit = options.Value.AdminSignInPerAddress;
        return RateLimitPartition.GetSlidingWindowLimiter(ClientAddress.Key(httpContext), _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            SegmentsPerWindow = 5,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
