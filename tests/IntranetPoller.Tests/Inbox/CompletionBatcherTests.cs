using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Tests.Messages;

namespace Weixin.Inbox.IntranetPoller.Tests.Inbox;

/// <summary>
/// Replies go to the inbox in batches (issue 14): the processor with a <see cref="CompletionBatcher"/>, against a real
/// HTTP stand-in of <c>/poller/v1/items/complete-many</c>; the handlers are stand-ins answering as the test says.
/// </summary>
public class CompletionBatcherTests
{
    [Fact]
    public async Task Process_RepliesReadyWhileABatchIsOnItsWay_GoTogetherInTheNext_EachReportedOnceAndALostLeaseNotFailed()
    {
        var batches = 0;
        await using var server = await StandInServer.StartAsync(app =>
        {
            app.MapPost("/poller/v1/items/complete-many", async (CompleteManyRequest request) =>
            {
                // Note: the first batch takes a while, so the replies that get ready meanwhile queue for the next one.
                if (Interlocked.Increment(ref batches) == 1)
                {
                    await Task.Delay(700);
                }

                return Results.Json(new CompleteManyResponse([.. request.Items.Select(i => i.LeaseId.StartsWith("stale", StringComparison.Ordinal)
                    ? new CompleteManyResult(i.Id, "leased", Code: CompleteManyCodes.LeaseLost)
                    : new CompleteManyResult(i.Id, "done", DeliveredPassively: true))]));
            });
            app.MapPost("/poller/v1/items/{id:long}/complete", (long id) => Results.Json(new CompleteResponse(id, "done", true)));
            app.MapPost("/poller/v1/items/{id:long}/fail", (long id) => Results.Json(new FailResponse(id, "pending")));
        });

        await using var provider = Poller(server, new ReplyingHandler());
        var processor = provider.GetRequiredService<ClaimedItemProcessor>();
        var inbox = provider.GetRequiredService<IInboxPollerApi>();

        var first = Message(1, "lease-1");
        var second = Message(2, "lease-2");
        var stale = Message(3, "stale-3");
        var firstWork = processor.ProcessAsync(inbox, first, TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(200); // the first batch (the first reply alone) is on its way now
        await Task.WhenAll(
            firstWork,
            processor.ProcessAsync(inbox, second, TimeSpan.FromSeconds(30), CancellationToken.None),
            processor.ProcessAsync(inbox, stale, TimeSpan.FromSeconds(30), CancellationToken.None));

        var sent = server.Requests.Where(r => r.Path == "/poller/v1/items/complete-many")
            .Select(r => JsonSerializer.Deserialize<CompleteManyRequest>(r.Body, JsonSerializerOptions.Web)!.Items.Select(i => (i.Id, i.LeaseId, i.ReplyBody)).ToList())
            .ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal([(1L, "lease-1", "<xml>1</xml>")], sent[0]);
        Assert.Equal([(2L, "lease-2", "<xml>2</xml>"), (3L, "stale-3", "<xml>3</xml>")], sent[1].OrderBy(i => i.Id));
        // Never through the single route, and the item whose lease was lost is neither completed again nor failed.
        Assert.DoesNotContain(server.Requests, r => r.Path.EndsWith("/complete", StringComparison.Ordinal) || r.Path.EndsWith("/fail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_LargeRepliesReadyTogether_GoInBatchesTheSignedRequestLimitAccepts_EachOnce()
    {
        // Six replies of 40,000 Chinese characters: one request with all of them would be ~1.4 MB of JSON (each character
        // escaped as \uXXXX), over the 1 MiB the inbox (and nginx) accept for a signed request.
        var batches = 0;
        await using var server = await StandInServer.StartAsync(app =>
        {
            app.MapPost("/poller/v1/items/complete-many", async (CompleteManyRequest request) =>
            {
                if (Interlocked.Increment(ref batches) == 1)
                {
                    await Task.Delay(700);
                }

                return Results.Json(new CompleteManyResponse([.. request.Items.Select(i => new CompleteManyResult(i.Id, "done", DeliveredPassively: true))]));
            });
        });

        await using var provider = Poller(server, new ReplyingHandler(item => item.Id == 1 ? "<xml>1</xml>" : new string('回', 40_000)));
        var processor = provider.GetRequiredService<ClaimedItemProcessor>();
        var inbox = provider.GetRequiredService<IInboxPollerApi>();

        var firstWork = processor.ProcessAsync(inbox, Message(1, "lease-1"), TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(200); // the first batch is on its way; the large replies queue behind it
        await Task.WhenAll([firstWork, .. Enumerable.Range(2, 6).Select(id =>
            processor.ProcessAsync(inbox, Message(id, "lease-" + id), TimeSpan.FromSeconds(30), CancellationToken.None))]);

        var requests = server.Requests.Where(r => r.Path == "/poller/v1/items/complete-many").ToList();
        Assert.All(requests, r => Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Body) <= global::Weixin.Inbox.Contracts.Signing.SignedRequestMiddleware.MaxBodyBytes,
            $"a complete-many request of {System.Text.Encoding.UTF8.GetByteCount(r.Body)} bytes"));
        var ids = requests.SelectMany(r => JsonSerializer.Deserialize<CompleteManyRequest>(r.Body, JsonSerializerOptions.Web)!.Items.Select(i => i.Id)).Order().ToList();
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], ids);
        Assert.True(requests.Count >= 4, $"{requests.Count} requests for six large replies");
    }

    /// <summary>The processor and its batcher as the poller wires them, talking to <paramref name="server"/>.</summary>
    private static ServiceProvider Poller(StandInServer server, IItemHandler handler)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CompletionBatcher>();
        services.AddSingleton<ClaimedItemProcessor>();
        services.AddKeyedSingleton(InboxItemKinds.Message, handler);
        services.AddRefitGeneratedClient<IInboxPollerApi>(_ => RefitJson.Settings).ConfigureHttpClient(http => http.BaseAddress = server.BaseAddress);
        services.AddRefitGeneratedClient<IInboxCompletionApi>(_ => RefitJson.Settings).ConfigureHttpClient(http => http.BaseAddress = server.BaseAddress);
        return services.BuildServiceProvider();
    }

    private static ClaimedItem Message(long id, string leaseId)
    {
        var now = DateTimeOffset.UtcNow;
        return new ClaimedItem(id, InboxItemKinds.Message, leaseId, now.AddSeconds(30), 1, now, now.AddMinutes(30), "corr" + id, null,
            new MessageCallback("<xml/>", "1", "n" + id, "aes", "sig", "o_user"));
    }

    private sealed class ReplyingHandler(Func<ClaimedItem, string>? reply = null) : IItemHandler
    {
        public Task<ItemDecision> HandleAsync(ClaimedItem item, CancellationToken cancellationToken) =>
            Task.FromResult<ItemDecision>(new ItemDecision.Reply(reply?.Invoke(item) ?? $"<xml>{item.Id}</xml>", "replied", null));
    }
}
