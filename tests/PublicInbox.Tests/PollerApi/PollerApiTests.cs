using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.PublicInbox.PollerApi;
using Endpoints = Weixin.Inbox.PublicInbox.PollerApi.PollerApi;

namespace Weixin.Inbox.PublicInbox.Tests.PollerApi;

/// <summary>The poller API's handlers called directly, on the real MariaDB as the inbox's least-privilege user.</summary>
public class PollerApiTests(InboxDatabaseFixture fixture) : IClassFixture<InboxDatabaseFixture>, IAsyncLifetime
{
    private const string AllowedRedirect = "http://127.0.0.1:5300/login/weixin/done?ticket=T";

    private static readonly DateTime Now = new(2031, 5, 1, 8, 0, 0, DateTimeKind.Utc);

    private static readonly InboxOptions Options = new()
    {
        PublicBaseUrl = "https://wx.example.com",
        AllowedRedirectPrefixes = ["http://127.0.0.1:5300/login/"],
        RetryLoginUrl = "http://127.0.0.1:5300/login/weixin",
        LoginTimeout = TimeSpan.FromSeconds(60),
        LeaseDuration = TimeSpan.FromSeconds(30),
    };

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Claim_LeasesTheOldestPendingItemsToTheCaller()
    {
        var ids = new[] { await AddPendingAsync(), await AddPendingAsync(), await AddPendingAsync() };

        var claimed = await ClaimOkAsync("poller-a", maxItems: 2);

        Assert.Equal(ids[..2], claimed.Items.Select(i => i.Id));
        Assert.All(claimed.Items, i =>
        {
            Assert.Equal(1, i.Attempts);
            Assert.Equal(new DateTimeOffset(Now + Options.LeaseDuration), i.LeaseUntil);
            Assert.Equal(new OAuthCallback("CODE", "STATE"), i.OAuth);
        });
        Assert.Single(claimed.Items.Select(i => i.LeaseId).Distinct());

        var first = await ReadAsync(ids[0]);
        Assert.Equal(InboxItemStatuses.Leased, first.Status);
        Assert.Equal("poller-a", first.LeasedBy);
        Assert.Equal(claimed.Items[0].LeaseId, first.LeaseId);
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(ids[2])).Status);
        var events = await EventsAsync();
        Assert.Equal(2, events.Count(e => e.Type == InboxEventTypes.Claimed && e.Actor == "poller-a"));

        await using var db = fixture.CreateContext();
        var seen = await db.Pollers.AsNoTracking().SingleAsync(p => p.PollerId == "poller-a");
        Assert.Equal(Now, seen.LastClaimAt);
        Assert.Equal(2, seen.LastClaimCount);
    }

    [Fact]
    public async Task Claim_ReturnsOnlyItemsNotLeasedByAnotherPoller()
    {
        for (var i = 0; i < 4; i++)
        {
            await AddPendingAsync();
        }

        var a = await ClaimOkAsync("poller-a", maxItems: 2);
        var b = await ClaimOkAsync("poller-b", maxItems: 10);

        Assert.Equal(2, a.Items.Count);
        Assert.Equal(2, b.Items.Count);
        Assert.Empty(a.Items.Select(i => i.Id).Intersect(b.Items.Select(i => i.Id)));
        foreach (var item in a.Items)
        {
            var stored = await ReadAsync(item.Id);
            Assert.Equal("poller-a", stored.LeasedBy);
            Assert.Equal(item.LeaseId, stored.LeaseId);
        }
    }

    [Fact]
    public async Task Claim_SkipsItemsLeasedByAnotherPoller()
    {
        // Several pollers claiming at the same moment must never be handed the same item.
        for (var round = 0; round < 5; round++)
        {
            await fixture.ResetAsync();
            var ids = new List<long>();
            for (var i = 0; i < 40; i++)
            {
                ids.Add(await AddPendingAsync());
            }

            using var start = new Barrier(4);
            var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() =>
            {
                start.SignalAndWait();
                return ClaimOkAsync($"poller-{p}", maxItems: 10);
            })));

            var all = responses.SelectMany((r, p) => r.Items.Select(i => (Poller: $"poller-{p}", Item: i))).ToList();
            Assert.Equal(all.Count, all.Select(x => x.Item.Id).Distinct().Count());
            Assert.NotEmpty(all);
            await using var db = fixture.CreateContext();
            var stored = await db.Items.AsNoTracking().ToDictionaryAsync(i => i.Id);
            Assert.All(all, x =>
            {
                Assert.Equal(x.Poller, stored[x.Item.Id].LeasedBy);
                Assert.Equal(x.Item.LeaseId, stored[x.Item.Id].LeaseId);
                Assert.Equal(1, stored[x.Item.Id].Attempts);
            });
        }
    }

    [Fact]
    public async Task Claim_WhileAnotherClaimIsUncommitted_ReturnsWithoutWaitingAndWithoutItsItems()
    {
        for (var i = 0; i < 40; i++)
        {
            await AddPendingAsync();
        }

        await using var paused = await StartPausedClaimAsync("poller-a", ClaimGate.Point.BeforeCommit);
        var other = await ClaimWithinAsync("poller-b", TimeSpan.FromSeconds(5));
        var first = await paused.CommitAsync();

        Assert.Equal(10, first.Items.Count);
        Assert.Empty(first.Items.Select(i => i.Id).Intersect(other.Items.Select(i => i.Id)));
    }

    [Fact]
    public async Task Claim_DuringAnotherPollersClaim_StillGetsAFullBatchOfTheRemainingItems()
    {
        // 40 pending items (and a history of finished ones) and another poller's claim under way (its
        // SELECT … FOR UPDATE SKIP LOCKED has run): that claim takes 10, so this one should get 10 of the
        // other 30, not come back empty.
        await AddFinishedAsync(200);
        for (var i = 0; i < 40; i++)
        {
            await AddPendingAsync();
        }

        await fixture.Database.ExecuteAsync("ANALYZE TABLE inbox_items"); // fresh statistics, as a long-running inbox has

        await using var paused = await StartPausedClaimAsync("poller-a", ClaimGate.Point.AfterSelect);
        var other = await ClaimWithinAsync("poller-b", TimeSpan.FromSeconds(5));
        var first = await paused.CommitAsync();

        Assert.Equal(10, first.Items.Count);
        Assert.Equal(10, other.Items.Count);
    }

    [Fact]
    public async Task Claim_TakesOverAnExpiredLease()
    {
        var id = await AddPendingAsync();
        var first = Assert.Single((await ClaimOkAsync("poller-a", now: Now.AddSeconds(-40))).Items);

        var second = Assert.Single((await ClaimOkAsync("poller-b")).Items);

        Assert.Equal(id, second.Id);
        Assert.Equal(2, second.Attempts);
        Assert.NotEqual(first.LeaseId, second.LeaseId);
        var stored = await ReadAsync(id);
        Assert.Equal("poller-b", stored.LeasedBy);
        var events = (await EventsAsync()).Where(e => e.ItemId == id).Select(e => (e.Type, e.Actor)).ToList();
        Assert.Equal([(InboxEventTypes.Claimed, "poller-a"), (InboxEventTypes.LeaseExpired, "poller-a"), (InboxEventTypes.Claimed, "poller-b")], events);
    }

    [Fact]
    public async Task Claim_LeavesARunningLeaseAlone()
    {
        await AddPendingAsync();
        Assert.Single((await ClaimOkAsync("poller-a", now: Now.AddSeconds(-29))).Items);

        Assert.Empty((await ClaimOkAsync("poller-b")).Items);
    }

    [Fact]
    public async Task Claim_ExpiresInsteadOfReturningItemsPastTheirDeadline()
    {
        var late = await AddPendingAsync(deadline: Now.AddSeconds(-1));

        Assert.Empty((await ClaimOkAsync("poller-a")).Items);

        Assert.Equal(InboxItemStatuses.Expired, (await ReadAsync(late)).Status);
    }

    [Fact]
    public async Task Claim_ReturnsOnlyTheRequestedKinds()
    {
        var message = await AddPendingAsync(kind: InboxItemKinds.Message);
        var oauth = await AddPendingAsync();

        var claimed = await ClaimOkAsync("poller-a", kinds: [InboxItemKinds.OAuth]);

        Assert.Equal(oauth, Assert.Single(claimed.Items).Id);
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(message)).Status);
    }

    [Theory]
    [InlineData("", 10)]
    [InlineData("   ", 10)]
    [InlineData("<65 characters>", 10)]
    [InlineData("poller-a", 0)]
    [InlineData("poller-a", 101)]
    public async Task Claim_RefusesABadPollerIdOrBatchSize(string pollerId, int maxItems)
    {
        var id = await AddPendingAsync();

        var result = await ClaimAsync(pollerId == "<65 characters>" ? new string('p', 65) : pollerId, maxItems);

        Assert.Equal(400, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
        Assert.Equal(InboxItemStatuses.Pending, (await ReadAsync(id)).Status);
    }

    [Fact]
    public async Task Complete_RecordsTheRedirectForTheWaitingBrowser()
    {
        var item = await AddAndClaimAsync();

        var result = await CompleteAsync(item, new CompleteRequest(item.LeaseId, AllowedRedirect, "ticket_issued"));

        Assert.Equal(InboxItemStatuses.Done, Assert.IsType<Ok<CompleteResponse>>(result.Result).Value!.Status);
        var stored = await ReadAsync(item.Id);
        Assert.Equal(InboxItemStatuses.Done, stored.Status);
        Assert.Equal(AllowedRedirect, stored.RedirectUrl);
        Assert.Equal("ticket_issued", stored.Outcome);
        Assert.Equal(Now, stored.CompletedAt);
        Assert.Single(await EventsAsync(), e => e.ItemId == item.Id && e.Type == InboxEventTypes.Completed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://evil.example.com/login/weixin/done?ticket=T")]
    [InlineData("http://127.0.0.1:5300.evil.com/login/weixin/done")]
    public async Task Complete_RefusesARedirectOutsideTheAllowedPrefixes(string? redirect)
    {
        var item = await AddAndClaimAsync();

        var result = await CompleteAsync(item, new CompleteRequest(item.LeaseId, redirect, "ticket_issued"));

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal("redirect_not_allowed", problem.ProblemDetails.Extensions["code"]);
        Assert.Equal(InboxItemStatuses.Leased, (await ReadAsync(item.Id)).Status);
    }

    [Fact]
    public async Task Complete_WithALeaseTakenOver_IsAConflictAndTheNewHolderKeepsTheItem()
    {
        var id = await AddPendingAsync();
        var old = Assert.Single((await ClaimOkAsync("poller-a", now: Now.AddSeconds(-40))).Items);
        var current = Assert.Single((await ClaimOkAsync("poller-b")).Items);

        var result = await CompleteAsync(old, new CompleteRequest(old.LeaseId, AllowedRedirect, "ticket_issued"));

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(409, problem.StatusCode);
        Assert.Equal("lease_lost", problem.ProblemDetails.Extensions["code"]);
        var stored = await ReadAsync(id);
        Assert.Equal(InboxItemStatuses.Leased, stored.Status);
        Assert.Equal(current.LeaseId, stored.LeaseId);
        Assert.Null(stored.RedirectUrl);
    }

    [Fact]
    public async Task Complete_AfterTheDeadline_IsAConflictSayingExpired()
    {
        var item = await AddAndClaimAsync();
        await ClaimOkAsync("poller-b", now: Now.AddSeconds(61)); // any claim sweeps overdue items first

        var result = await CompleteAsync(item, new CompleteRequest(item.LeaseId, AllowedRedirect, "ticket_issued"));

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(409, problem.StatusCode);
        Assert.Equal("expired", problem.ProblemDetails.Extensions["code"]);
        Assert.Equal(InboxItemStatuses.Expired, (await ReadAsync(item.Id)).Status);
    }

    [Fact]
    public async Task Complete_RepeatedWithTheSameLease_ChangesNothing()
    {
        var item = await AddAndClaimAsync();
        await CompleteAsync(item, new CompleteRequest(item.LeaseId, AllowedRedirect, "ticket_issued"));

        var again = await CompleteAsync(item, new CompleteRequest(item.LeaseId, AllowedRedirect + "2", "ticket_issued"));

        Assert.Equal(InboxItemStatuses.Done, Assert.IsType<Ok<CompleteResponse>>(again.Result).Value!.Status);
        Assert.Equal(AllowedRedirect, (await ReadAsync(item.Id)).RedirectUrl);
        Assert.Single(await EventsAsync(), e => e.ItemId == item.Id && e.Type == InboxEventTypes.Completed);
    }

    [Fact]
    public async Task Fail_WithRetry_PutsTheItemBackForTheNextClaim()
    {
        var item = await AddAndClaimAsync();

        var result = await FailAsync(item, new FailRequest(item.LeaseId, "WeChat unreachable", Retry: true));

        Assert.Equal(InboxItemStatuses.Pending, Assert.IsType<Ok<FailResponse>>(result.Result).Value!.Status);
        var again = Assert.Single((await ClaimOkAsync("poller-b")).Items);
        Assert.Equal(item.Id, again.Id);
        Assert.Equal(2, again.Attempts);
    }

    [Fact]
    public async Task Fail_WithoutRetry_EndsTheItem()
    {
        var item = await AddAndClaimAsync();

        var result = await FailAsync(item, new FailRequest(item.LeaseId, "broken", Retry: false));

        Assert.Equal(InboxItemStatuses.Failed, Assert.IsType<Ok<FailResponse>>(result.Result).Value!.Status);
        var stored = await ReadAsync(item.Id);
        Assert.Equal(InboxItemStatuses.Failed, stored.Status);
        Assert.Equal("broken", stored.Error);
        Assert.Empty((await ClaimOkAsync("poller-b", now: Now.AddSeconds(31))).Items);
    }

    [Fact]
    public async Task Fail_WithAForeignLease_IsAConflict()
    {
        var item = await AddAndClaimAsync();

        var result = await FailAsync(item, new FailRequest("0123456789abcdef0123456789abcdef", "x", Retry: true));

        Assert.Equal(409, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
        Assert.Equal(InboxItemStatuses.Leased, (await ReadAsync(item.Id)).Status);
    }

    [Fact]
    public async Task ExtendLease_MovesTheLeaseEndForward_SoNoOtherPollerTakesTheItemOver()
    {
        var id = await AddPendingAsync();
        var item = Assert.Single((await ClaimOkAsync("poller-a", now: Now.AddSeconds(-20))).Items); // lease until Now + 10 s

        var result = await ExtendAsync(id, item.LeaseId);

        var extended = Assert.IsType<Ok<LeaseResponse>>(result.Result).Value!;
        Assert.Equal(new LeaseResponse(id, new DateTimeOffset(Now + Options.LeaseDuration)), extended);
        var stored = await ReadAsync(id);
        Assert.Equal(Now + Options.LeaseDuration, stored.LeaseUntil);
        Assert.Equal(item.LeaseId, stored.LeaseId);
        Assert.Empty((await ClaimOkAsync("poller-b", now: Now.AddSeconds(15))).Items); // the old end has passed, the new one not
        var events = (await EventsAsync()).Where(e => e.ItemId == id).ToList();
        var claimed = Assert.Single(events);
        Assert.Equal((InboxEventTypes.Claimed, "poller-a"), (claimed.Type, claimed.Actor));
        Assert.Contains($"lease until {Now + Options.LeaseDuration:O}; extended at {Now:O}", claimed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtendLease_WithAWrongLeaseId_IsAConflictAndChangesNothing()
    {
        var item = await AddAndClaimAsync();

        var result = await ExtendAsync(item.Id, "0123456789abcdef0123456789abcdef", Now.AddSeconds(10));

        AssertLeaseLost(result.Result, "lease_lost");
        var stored = await ReadAsync(item.Id);
        Assert.Equal(InboxItemStatuses.Leased, stored.Status);
        Assert.Equal(Now + Options.LeaseDuration, stored.LeaseUntil);
    }

    [Fact]
    public async Task ExtendLease_AfterAnotherPollerTookTheLapsedItemOver_IsRefusedAndSoAreTheOldHoldersCompleteAndFail()
    {
        var id = await AddPendingAsync();
        var old = Assert.Single((await ClaimOkAsync("poller-a", now: Now.AddSeconds(-40))).Items);
        var current = Assert.Single((await ClaimOkAsync("poller-b")).Items);

        var extend = await ExtendAsync(id, old.LeaseId);
        var complete = await CompleteAsync(old, new CompleteRequest(old.LeaseId, AllowedRedirect, "ticket_issued"));
        var fail = await FailAsync(old, new FailRequest(old.LeaseId, "late", Retry: true));

        AssertLeaseLost(extend.Result, "lease_lost");
        AssertLeaseLost(complete.Result, "lease_lost");
        AssertLeaseLost(fail.Result, "lease_lost");
        var stored = await ReadAsync(id);
        Assert.Equal(InboxItemStatuses.Leased, stored.Status);
        Assert.Equal("poller-b", stored.LeasedBy);
        Assert.Equal(current.LeaseId, stored.LeaseId);
        Assert.Equal(current.LeaseUntil.UtcDateTime, stored.LeaseUntil);
        Assert.Null(stored.RedirectUrl);
        Assert.Equal(2, stored.Attempts);
        Assert.Equal(Now.AddSeconds(30), Assert.IsType<Ok<LeaseResponse>>((await ExtendAsync(id, current.LeaseId)).Result).Value!.LeaseUntil.UtcDateTime);
    }

    [Fact]
    public async Task ExtendLease_PastTheDeadline_IsAConflictSayingExpired_AndExpiresTheItem()
    {
        var item = await AddAndClaimAsync(); // deadline Now + 60 s

        var result = await ExtendAsync(item.Id, item.LeaseId, Now.AddSeconds(61));

        AssertLeaseLost(result.Result, "expired");
        var stored = await ReadAsync(item.Id);
        Assert.Equal(InboxItemStatuses.Expired, stored.Status);
        Assert.Equal(Now + Options.LeaseDuration, stored.LeaseUntil);
        Assert.Single(await EventsAsync(), e => e.ItemId == item.Id && e.Type == InboxEventTypes.Expired);
    }

    [Fact]
    public async Task ExtendLease_OfACompletedItem_IsAConflict()
    {
        var item = await AddAndClaimAsync();
        await CompleteAsync(item, new CompleteRequest(item.LeaseId, AllowedRedirect, "ticket_issued"));

        AssertLeaseLost((await ExtendAsync(item.Id, item.LeaseId)).Result, "lease_lost");
    }

    [Fact]
    public async Task ExtendLease_OfAnUnknownItem_IsNotFound()
    {
        Assert.IsType<NotFound>((await ExtendAsync(long.MaxValue, "0123456789abcdef0123456789abcdef")).Result);
    }

    [Fact]
    public async Task Claim_WithWait_HandsOutAnItemThatArrivesDuringTheWait()
    {
        string[] events = [InboxItemKinds.Event];
        while ((await ClaimOkAsync("poller-drain", 100, kinds: events)).Items.Count > 0)
        {
        }

        await using var db = fixture.CreateContext();
        var claim = Endpoints.ClaimAsync(new ClaimRequest("poller-long", 10, events, WaitMilliseconds: 10_000), Services(db, Now), CancellationToken.None);
        await Task.Delay(600);
        Assert.False(claim.IsCompleted, "an empty queue should hold the claim while the wait lasts");
        var id = await AddPendingAsync(InboxItemKinds.Event);

        var result = Assert.IsType<Ok<ClaimResponse>>((await claim).Result).Value!;

        Assert.Equal(id, Assert.Single(result.Items).Id);
        Assert.Equal("poller-long", (await ReadAsync(id)).LeasedBy);
    }

    [Fact]
    public async Task Claim_WithWaitOutOfRange_IsRefused()
    {
        await using var db = fixture.CreateContext();
        var result = await Endpoints.ClaimAsync(new ClaimRequest("poller-x", 10, null, WaitMilliseconds: 60_000), Services(db, Now), CancellationToken.None);

        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
    }

    private static PollerApiServices Services(InboxDbContext db, DateTime now)
    {
        var signals = new InboxSignals();
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        return new(db, new ItemStore(db, signals, new ManualTime(now), options, NullLogger<ItemStore>.Instance), options, signals, NullLogger<PollerApiServices>.Instance);
    }

    private async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> ClaimAsync(string pollerId, int maxItems = 10, DateTime? now = null, string[]? kinds = null)
    {
        await using var db = fixture.CreateContext();
        return await Endpoints.ClaimAsync(new ClaimRequest(pollerId, maxItems, kinds), Services(db, now ?? Now), CancellationToken.None);
    }

    private async Task<ClaimResponse> ClaimOkAsync(string pollerId, int maxItems = 10, DateTime? now = null, string[]? kinds = null) =>
        Assert.IsType<Ok<ClaimResponse>>((await ClaimAsync(pollerId, maxItems, now, kinds)).Result).Value!;

    private async Task<Results<Ok<CompleteResponse>, NotFound, ProblemHttpResult>> CompleteAsync(ClaimedItem item, CompleteRequest request)
    {
        await using var db = fixture.CreateContext();
        return await Endpoints.CompleteAsync(item.Id, request, Services(db, Now), CancellationToken.None);
    }

    private async Task<Results<Ok<FailResponse>, NotFound, ProblemHttpResult>> FailAsync(ClaimedItem item, FailRequest request)
    {
        await using var db = fixture.CreateContext();
        return await Endpoints.FailAsync(item.Id, request, Services(db, Now), CancellationToken.None);
    }

    private async Task<Results<Ok<LeaseResponse>, NotFound, ProblemHttpResult>> ExtendAsync(long id, string leaseId, DateTime? now = null)
    {
        await using var db = fixture.CreateContext();
        return await Endpoints.ExtendLeaseAsync(id, new LeaseRequest(leaseId), Services(db, now ?? Now), CancellationToken.None);
    }

    private static ProblemHttpResult AssertLeaseLost(Microsoft.AspNetCore.Http.IResult result, string code)
    {
        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(409, problem.StatusCode);
        Assert.Equal(Endpoints.LeaseLostCode, problem.ProblemDetails.Title);
        Assert.Equal(code, problem.ProblemDetails.Extensions["code"]);
        return problem;
    }

    /// <summary>Runs a real claim that stops at <paramref name="at"/> until <see cref="PausedClaim.CommitAsync"/>.</summary>
    private async Task<PausedClaim> StartPausedClaimAsync(string pollerId, ClaimGate.Point at)
    {
        var gate = new ClaimGate(at);
        var db = fixture.CreateContext(gate);
        var claim = Endpoints.ClaimAsync(new ClaimRequest(pollerId, 10), Services(db, Now), CancellationToken.None);
        var reached = await Task.WhenAny(gate.Reached.Task, claim, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(reached == gate.Reached.Task, $"the paused claim did not reach {at}");
        return new PausedClaim(db, gate, claim);
    }

    private async Task<ClaimResponse> ClaimWithinAsync(string pollerId, TimeSpan limit)
    {
        var claim = ClaimOkAsync(pollerId);
        Assert.True(await Task.WhenAny(claim, Task.Delay(limit)) == claim, $"{pollerId} waited on the other poller's uncommitted claim");
        return await claim;
    }

    /// <summary>Stops a real claim at one point (its SELECT … FOR UPDATE executed, or its COMMIT) until released.</summary>
    private sealed class ClaimGate(ClaimGate.Point at) : IDbCommandInterceptor, IDbTransactionInterceptor
    {
        public enum Point
        {
            AfterSelect,
            BeforeCommit,
        }

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            // Note: the claim's SELECT (the expiry before it also locks with SKIP LOCKED, but reads no leased_by).
            if (at == Point.AfterSelect && command.CommandText.Contains("SKIP LOCKED", StringComparison.Ordinal)
                && command.CommandText.Contains("leased_by", StringComparison.Ordinal))
            {
                await WaitAsync();
            }

            return result;
        }

        public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (at == Point.BeforeCommit)
            {
                await WaitAsync();
            }

            return result;
        }

        private async Task WaitAsync()
        {
            Reached.TrySetResult();
            await Release.Task;
        }
    }

    private sealed class PausedClaim(InboxDbContext db, ClaimGate gate, Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> claim) : IAsyncDisposable
    {
        public async Task<ClaimResponse> CommitAsync()
        {
            gate.Release.TrySetResult();
            return Assert.IsType<Ok<ClaimResponse>>((await claim).Result).Value!;
        }

        public async ValueTask DisposeAsync()
        {
            gate.Release.TrySetResult();
            try
            {
                await claim;
            }
            finally
            {
                await db.DisposeAsync();
            }
        }
    }

    private async Task<ClaimedItem> AddAndClaimAsync()
    {
        var id = await AddPendingAsync();
        var item = Assert.Single((await ClaimOkAsync("poller-a")).Items);
        Assert.Equal(id, item.Id);
        return item;
    }

    private async Task AddFinishedAsync(int count)
    {
        await using var db = fixture.CreateContext();
        db.Items.AddRange(Enumerable.Range(0, count).Select(_ => new InboxItem
        {
            Kind = InboxItemKinds.OAuth,
            Status = InboxItemStatuses.Done,
            ReceivedAt = Now.AddHours(-1),
            Deadline = Now.AddHours(-1).AddSeconds(60),
            CorrelationId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            Attempts = 1,
        }));
        await db.SaveChangesAsync();
    }

    private async Task<long> AddPendingAsync(string kind = InboxItemKinds.OAuth, DateTime? deadline = null)
    {
        await using var db = fixture.CreateContext();
        var item = new InboxItem
        {
            Kind = kind,
            Status = InboxItemStatuses.Pending,
            ReceivedAt = Now.AddSeconds(-1),
            Deadline = deadline ?? Now.AddSeconds(60),
            CorrelationId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            OAuthCode = kind == InboxItemKinds.OAuth ? "CODE" : null,
            OAuthState = kind == InboxItemKinds.OAuth ? "STATE" : null,
        };
        db.Items.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    }

    private async Task<InboxItem> ReadAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.Items.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    private async Task<List<InboxItemEvent>> EventsAsync()
    {
        await using var db = fixture.CreateContext();
        return await db.ItemEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }
}
