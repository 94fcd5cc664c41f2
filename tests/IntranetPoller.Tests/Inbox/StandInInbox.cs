using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Tests.Messages;

namespace Weixin.Inbox.IntranetPoller.Tests.Inbox;

/// <summary>
/// A real HTTP endpoint standing in for the inbox's poller API (lease, complete, fail), answering lease renewals as
/// the test says, and the poller's real Refit client pointed at it.
/// </summary>
public sealed class StandInInbox : IAsyncDisposable
{
    private const long WarmUpId = 0;

    private readonly StandInServer _server;
    private readonly ServiceProvider _clients;

    private StandInInbox(StandInServer server)
    {
        _server = server;
        var services = new ServiceCollection();
        services.AddRefitGeneratedClient<IInboxPollerApi>(_ => RefitJson.Settings).ConfigureHttpClient(http => http.BaseAddress = server.BaseAddress);
        _clients = services.BuildServiceProvider();
        Client = _clients.GetRequiredService<IInboxPollerApi>();
    }

    /// <summary>The poller's client of this stand-in.</summary>
    public IInboxPollerApi Client { get; }

    /// <summary>Requests received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _server.Requests];

    /// <summary>Lease renewals received for <paramref name="itemId"/>.</summary>
    public IReadOnlyList<RecordedRequest> Renewals(long itemId) => [.. _server.Requests.Where(r => r.Path == $"/poller/v1/items/{itemId}/lease")];

    /// <summary>Completions and releases received for <paramref name="itemId"/>.</summary>
    public IReadOnlyList<RecordedRequest> Reported(long itemId) =>
        [.. _server.Requests.Where(r => r.Path == $"/poller/v1/items/{itemId}/complete" || r.Path == $"/poller/v1/items/{itemId}/fail")];

    /// <summary>Starts the stand-in; <paramref name="renewal"/> gives the status code of the n-th renewal (1-based).</summary>
    public static async Task<StandInInbox> StartAsync(Func<int, int> renewal)
    {
        var renewals = 0;
        var server = await StandInServer.StartAsync(app =>
        {
            app.MapPost("/poller/v1/items/{id:long}/lease", (long id) =>
            {
                if (id == WarmUpId)
                {
                    return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable);
                }

                var status = renewal(Interlocked.Increment(ref renewals));
                return status == StatusCodes.Status200OK
                    ? Results.Json(new LeaseResponse(id, DateTimeOffset.UtcNow.AddSeconds(30)))
                    : Results.Problem(statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = status == 409 ? "lease_lost" : "unavailable" });
            });
            app.MapPost("/poller/v1/items/{id:long}/complete", (long id) => Results.Json(new CompleteResponse(id, "done")));
            app.MapPost("/poller/v1/items/{id:long}/fail", (long id) => Results.Json(new FailResponse(id, "pending")));
        });
        var inbox = new StandInInbox(server);
        await inbox.WarmUpAsync();
        return inbox;
    }

    // Note: the first call through a fresh client and server compiles a good deal of code, which on a loaded machine
    // takes longer than the short leases of these tests; one call of each kind beforehand keeps the timings the lease's own.
    private async Task WarmUpAsync()
    {
        await Client.FailAsync(WarmUpId, new FailRequest("warm-up", "warm-up", Retry: true));
        await Assert.ThrowsAnyAsync<ApiException>(() => Client.ExtendLeaseAsync(WarmUpId, new LeaseRequest("warm-up")));
        _server.Requests.Clear();
    }

    /// <summary>A claimed item (a fresh id) whose lease lasts <paramref name="lease"/>, and the claim it came in.</summary>
    public static (ClaimedItem Item, ClaimResponse Claim) Claimed(TimeSpan lease, string kind = InboxItemKinds.OAuth)
    {
        var now = DateTimeOffset.UtcNow;
        var item = new ClaimedItem(Random.Shared.NextInt64(1, long.MaxValue / 2), kind, "lease-" + Guid.NewGuid().ToString("N"), now + lease, 1, now, null,
            "corr" + Guid.NewGuid().ToString("N")[..12], new OAuthCallback("CODE", "STATE"));
        return (item, new ClaimResponse([item], now));
    }

    public async ValueTask DisposeAsync()
    {
        await _clients.DisposeAsync();
        await _server.DisposeAsync();
    }
}
