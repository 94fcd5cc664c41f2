using Microsoft.Extensions.Options;
using Quartz;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// The claim loop: claims pending items from the PublicInbox and hands each to the <see cref="ClaimedItemProcessor"/>
/// (up to <c>Poller:MaxConcurrency</c> at once). Runs every <c>Poller:Interval</c>; keeps claiming while full batches
/// come back or items are still in flight.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PollInboxJob(
    IServiceScopeFactory scopes,
    ClaimedItemProcessor processor,
    IOptionsMonitor<PollerOptions> options,
    IOptionsMonitor<MessagesOptions> messages,
    InboxReachability reachability,
    WeixinAlerts alerts,
    TimeProvider time,
    ILogger<PollInboxJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("poll-inbox", "inbox");

    /// <summary>
    /// How long one run keeps claiming before it hands back to the scheduler (which fires again after
    /// <c>Poller:Interval</c>). Note: a limit in time, not in rounds: with long polling every arriving callback
    /// ends a round, and a round limit would end the run (and pause polling) exactly when traffic is high. For the
    /// same reason the run ends only at a quiet moment past this time (a claim that came back empty, nothing in
    /// flight): the pause until the next run would otherwise hold up every message arriving meanwhile.
    /// </summary>
    public static readonly TimeSpan MaxRunDuration = TimeSpan.FromMinutes(1);

    private static readonly string[] LoginKinds = [InboxItemKinds.OAuth];
    private static readonly string[] AllKinds = [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event];
    private static readonly string[] ReplyKinds = [InboxItemKinds.Message, InboxItemKinds.Event];

    /// <summary>Fewest free login slots for which a claim still asks for logins (fewer: messages alone, in a full batch).</summary>
    private const int MinLoginClaim = 4;

    /// <summary>Longest long poll of a claim for messages alone (the logins' slots are full): how soon freed login slots are refilled.</summary>
    private static readonly TimeSpan LoginSlotsRecheck = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var poller = options.CurrentValue;
        if (!poller.Enabled)
        {
            return;
        }

        var kinds = messages.CurrentValue.IsEnabled ? AllKinds : LoginKinds;
        // Note: the scope (and the inbox client in it) outlives the items still running when the loop ends.
        await using var scope = scopes.CreateAsyncScope();
        var running = new List<Task>();
        var runningLogins = new List<Task>();
        // Note: with messages on, logins take at most half the slots: a backlog of logins (each a code exchange with
        // WeChat) must not fill every slot while a message's WeChat request waits 4 s for its reply.
        var loginSlots = kinds == AllKinds ? Math.Max(1, poller.MaxConcurrency / 2) : poller.MaxConcurrency;
        try
        {
            var runStarted = time.GetTimestamp();
            var quiet = false;
            while (!(quiet && time.GetElapsedTime(runStarted) >= MaxRunDuration))
            {
                var wanted = Math.Min(poller.BatchSize, poller.MaxConcurrency - running.Count);
                var claimKinds = kinds;
                var wait = poller.LongPollWait;
                if (kinds == AllKinds)
                {
                    // Note: the inbox hands out messages first, so a batch cut to the logins' room still takes the messages
                    // first; when that room is down to a few slots the claim asks for messages alone (in a full batch),
                    // holding the long poll for a second at most so the logins' slots are refilled soon after they free up.
                    var loginRoom = loginSlots - runningLogins.Count;
                    if (loginRoom >= Math.Min(MinLoginClaim, wanted))
                    {
                        wanted = Math.Min(wanted, loginRoom);
                    }
                    else
                    {
                        claimKinds = ReplyKinds;
                        wait = wait < LoginSlotsRecheck ? wait : LoginSlotsRecheck;
                    }
                }

                var started = time.GetTimestamp();
                IInboxPollerApi inbox;
                ClaimResponse claimed;
                try
                {
                    inbox = scope.ServiceProvider.GetRequiredService<IInboxPollerApi>();
                    // Note: the WeChat conditions seen so far ride along, so the inbox's 「概览」 shows them to whoever watches it.
                    claimed = await inbox.ClaimAsync(
                        new ClaimRequest(poller.PollerId, wanted, claimKinds, (int)wait.TotalMilliseconds, alerts.Current()), cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    reachability.Unreachable(InboxReachability.Describe(ex));
                    return;
                }

                reachability.Reachable();
                var elapsed = (long)time.GetElapsedTime(started).TotalMilliseconds;
                logger.Log(claimed.Items.Count > 0 ? LogLevel.Information : LogLevel.Debug,
                    "Claimed {Count} items in {Elapsed} ms", claimed.Items.Count, elapsed);

                quiet = claimed.Items.Count == 0 && running.Count == 0;
                foreach (var item in claimed.Items)
                {
                    var work = ProcessAsync(inbox, item, ItemLease.LengthOf(item, claimed), cancellationToken);
                    running.Add(work);
                    if (item.Kind == InboxItemKinds.OAuth)
                    {
                        runningLogins.Add(work);
                    }
                }

                if (running.Count >= poller.MaxConcurrency)
                {
                    await Task.WhenAny(running);
                }
                else if (claimed.Items.Count == 0 && poller.LongPollWait == TimeSpan.Zero)
                {
                    if (running.Count == 0)
                    {
                        return;
                    }

                    // Note: without long polling an empty answer comes at once: while items are still in flight (a
                    // slow CRM hook), claim again after an interval so new messages still meet their WeChat request.
                    await Task.WhenAny(Task.WhenAll(running), Task.Delay(poller.Interval, time, cancellationToken));
                }

                // Note: otherwise claim again at once: with long polling the claim itself waits for the next callback.

                running.RemoveAll(t => t.IsCompleted);
                runningLogins.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down. Not refired: unfinished items keep their lease and return to the inbox's queue when it ends.
            logger.LogInformation("Polling stopped by shutdown");
        }
        finally
        {
            await DrainAsync(running);
        }
    }

    private static async Task DrainAsync(List<Task> running)
    {
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // Note: cancelled by shutdown; the processor handles every other failure itself.
        }
    }

    private async Task ProcessAsync(IInboxPollerApi inbox, ClaimedItem item, TimeSpan leaseLength, CancellationToken cancellationToken)
    {
        // Note: return to the claim loop at once; the item goes on concurrently.
        await Task.Yield();
        await processor.ProcessAsync(inbox, item, leaseLength, cancellationToken);
    }
}
