using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;

namespace Weixin.Inbox.IntranetPoller.Tests.Inbox;

/// <summary>
/// What the processor reports for an item whose work outlasts its lease, against a real HTTP stand-in of the inbox;
/// the item's handler is a stand-in that takes as long as the test says.
/// </summary>
public class ClaimedItemProcessorTests
{
    private const string RedirectUrl = "http://127.0.0.1:5300/login/weixin/done?ticket=t";

    [Fact]
    public async Task Process_SlowItemWithItsLeaseRenewed_IsCompletedWithItsLease()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 200);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromMilliseconds(900));
        var handler = new SlowHandler(TimeSpan.FromSeconds(2), observesCancellation: true);

        await ProcessAsync(inbox, handler, item, claim);

        Assert.False(handler.Cancelled);
        Assert.True(inbox.Renewals(item.Id).Count >= 3);
        var result = Assert.Single(inbox.Reported(item.Id));
        Assert.EndsWith("/complete", result.Path, StringComparison.Ordinal);
        Assert.Contains(item.LeaseId, result.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_LeaseLost_StopsTheHandlerAndNeverReportsTheItem()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 409);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(3));
        var handler = new SlowHandler(TimeSpan.FromSeconds(30), observesCancellation: true);

        await ProcessAsync(inbox, handler, item, claim).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(handler.Cancelled);
        Assert.Single(inbox.Renewals(item.Id));
        Assert.Empty(inbox.Reported(item.Id)); // neither completed nor released: the new holder decides
    }

    [Fact]
    public async Task Process_LeaseRanOutWhileTheHandlerWentOn_ItsResultIsDropped()
    {
        // Note: the inbox answers no renewal (as one without the endpoint would), and the handler does not observe
        // cancellation: its answer comes after the lease ended and must not reach the inbox.
        await using var inbox = await StandInInbox.StartAsync(_ => 404);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromMilliseconds(900));
        var handler = new SlowHandler(TimeSpan.FromSeconds(2), observesCancellation: false);

        await ProcessAsync(inbox, handler, item, claim);

        // Note: whether a renewal was sent before the lease ran out depends on how busy the machine is (a starved
        // thread pool may find the lease over before the first one); what must hold either way is that the handler
        // produced an answer and the inbox never saw it.
        Assert.True(handler.Finished);
        Assert.Empty(inbox.Reported(item.Id));
    }

    [Fact]
    public async Task Process_QuickItem_IsCompletedWithoutRenewal()
    {
        await using var inbox = await StandInInbox.StartAsync(_ => 409);
        var (item, claim) = StandInInbox.Claimed(TimeSpan.FromSeconds(30));

        await ProcessAsync(inbox, new SlowHandler(TimeSpan.Zero, observesCancellation: true), item, claim);

        Assert.Empty(inbox.Renewals(item.Id));
        Assert.EndsWith("/complete", Assert.Single(inbox.Reported(item.Id)).Path, StringComparison.Ordinal);
    }

    private static async Task ProcessAsync(StandInInbox inbox, SlowHandler handler, ClaimedItem item, ClaimResponse claim)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ClaimedItemProcessor>();
        services.AddKeyedSingleton<IItemHandler>(InboxItemKinds.OAuth, handler);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ClaimedItemProcessor>().ProcessAsync(inbox.Client, item, ItemLease.LengthOf(item, claim), CancellationToken.None);
    }

    private sealed class SlowHandler(TimeSpan duration, bool observesCancellation) : IItemHandler
    {
        public bool Cancelled { get; private set; }

        public bool Finished { get; private set; }

        public async Task<ItemDecision> HandleAsync(ClaimedItem item, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(duration, observesCancellation ? cancellationToken : CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }

            Finished = true;
            return new ItemDecision.Complete(RedirectUrl, "ticket_issued");
        }
    }
}
