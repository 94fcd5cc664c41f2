using Microsoft.AspNetCore.Http.HttpResults;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.PublicInbox.CallbackIps;

/// <summary>
/// <c>PUT /poller/v1/weixin-callback-ips</c> (signed by the poller, like the rest of <c>/poller/v1</c>): the poller hands in
/// WeChat's callback IP list, fetched daily from <c>cgi-bin/getcallbackip</c>. Stored in MySQL for every instance.
/// </summary>
public static class CallbackIpsApi
{
    public static IEndpointRouteBuilder MapCallbackIps(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/poller/v1").RequireSignedRequests(PollerApi.PollerApi.SigningName).MapPut("/weixin-callback-ips", PutAsync);
        return app;
    }

    public static async Task<Results<Ok<CallbackIpsResponse>, ProblemHttpResult>> PutAsync(
        CallbackIpsRequest request, CallbackIpStore store, CallbackIpCache cache, ILogger<CallbackIpStore> logger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.PollerId) || request.PollerId.Length > 64)
        {
            return TypedResults.Problem("pollerId is required (at most 64 characters).", statusCode: StatusCodes.Status400BadRequest);
        }

        // Note: an empty list would refuse every callback; a malformed entry means WeChat's answer was not understood.
        // Either way the inbox keeps the list it has rather than lock WeChat out.
        if (request.IpList is not { Count: > 0 and <= CallbackIpsRequest.MaxEntries })
        {
            return TypedResults.Problem($"ipList needs 1 to {CallbackIpsRequest.MaxEntries} entries.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.IpList.FirstOrDefault(e => CallbackIpList.ParseEntry(e) is null) is { } bad)
        {
            return TypedResults.Problem($"ipList entry '{(bad is { Length: > 64 } ? bad[..64] : bad)}' is neither an IP address nor a CIDR range.", statusCode: StatusCodes.Status400BadRequest);
        }

        var updated = await store.ReplaceAsync(request.PollerId, request.IpList, cancellationToken);
        cache.Invalidate();
        logger.LogInformation("WeChat callback IP list of {Count} entries handed in by {PollerId}", request.IpList.Count, request.PollerId);
        return TypedResults.Ok(new CallbackIpsResponse(request.IpList.Count, new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc))));
    }
}

/// <summary>Registration of the callback IP restriction.</summary>
public static class CallbackIpsExtensions
{
    /// <summary>The list's store and cache, and the readiness check <c>weixinCallbackIps</c>.</summary>
    public static WebApplicationBuilder AddCallbackIps(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CallbackIpStore>();
        builder.Services.AddSingleton<CallbackIpCache>();
        builder.Services.AddHealthChecks().AddCheck<CallbackIpsCheck>(
            CallbackIpsCheck.Name, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded,
            [ServiceDefaults.HealthCheckExtensions.ReadyTag], ServiceDefaults.HealthCheckExtensions.DatabaseTimeout);
        return builder;
    }

    /// <summary>Refuses <c>/wx/callback</c> from addresses not on WeChat's list (<see cref="CallbackIpRestrictionMiddleware"/>); after <c>UseTrustedProxies</c>.</summary>
    public static WebApplication UseCallbackIpRestriction(this WebApplication app)
    {
        app.UseMiddleware<CallbackIpRestrictionMiddleware>();
        return app;
    }
}
