using System.Data;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Diagnostics;

namespace Weixin.Inbox.PublicInbox.PollerApi;

/// <summary>Bundles what every poller API handler needs (<c>[AsParameters]</c>).</summary>
public sealed record PollerApiServices(InboxDbContext Db, ItemLifecycle Lifecycle, IOptions<InboxOptions> Options, InboxSignals Signals, ILogger<PollerApiServices> Logger);

/// <summary>
/// The intranet poller's only way in: it claims items (a lease), then completes or fails them.
/// Every request is HMAC-signed by the poller (<c>PollerSigning</c> keys).
/// </summary>
public static class PollerApi
{
    public const string SigningName = "PollerSigning";

    public static IEndpointRouteBuilder MapPollerApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/poller/v1").RequireSignedRequests(SigningName);
        group.MapPost("/claim", ClaimAsync);
        group.MapPost("/items/{id:long}/complete", CompleteAsync);
        group.MapPost("/items/{id:long}/fail", FailAsync);
        return app;
    }

    private sealed record Candidate(long Id, string Status, string? LeasedBy);

    public static async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> ClaimAsync(
        ClaimRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.PollerId) || request.PollerId.Length > 64)
        {
            return TypedResults.Problem("pollerId is required (at most 64 characters).", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.MaxItems is < 1 or > 100)
        {
            return TypedResults.Problem("maxItems must be between 1 and 100.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.WaitMilliseconds is < 0 or > MaxWaitMilliseconds)
        {
            return TypedResults.Problem($"waitMilliseconds must be between 0 and {MaxWaitMilliseconds}.", statusCode: StatusCodes.Status400BadRequest);
        }

        var watch = Stopwatch.StartNew();
        await s.Lifecycle.ExpireOverdueAsync(null, cancellationToken);
        var claimed = await ClaimOnceAsync(request, s, recordContact: true, cancellationToken);

        // Note: long polling: an empty queue holds the request (checking every LongPollStep) so a callback that
        // arrives meanwhile reaches the intranet at once instead of at the poller's next interval. Every check is a
        // real claim, so any number of inbox instances and pollers may wait at the same time.
        while (claimed.Count == 0 && watch.ElapsedMilliseconds + LongPollStep.TotalMilliseconds < request.WaitMilliseconds)
        {
            await s.Signals.ItemStoredOrAsync(LongPollStep, cancellationToken);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            // Note: the poller's "last seen" is written when the wait starts and when it ends, not at every check.
            var last = watch.ElapsedMilliseconds + (2 * LongPollStep.TotalMilliseconds) >= request.WaitMilliseconds;
            claimed = await ClaimOnceAsync(request, s, recordContact: last, CancellationToken.None);
        }

        foreach (var item in claimed)
        {
            s.Logger.LogInformation("Item {ItemId} leased to {PollerId} (attempt {Attempt}) [{CorrelationId}]", item.Id, request.PollerId, item.Attempts, item.CorrelationId);
        }

        if (claimed.Count > 0)
        {
            s.Logger.LogInformation("Claimed {Count} items for {PollerId} in {Elapsed} ms", claimed.Count, request.PollerId, watch.ElapsedMilliseconds);
        }

        return TypedResults.Ok(new ClaimResponse(claimed, new DateTimeOffset(s.Lifecycle.UtcNow, TimeSpan.Zero)));
    }

    /// <summary>Longest long-poll a poller may ask for.</summary>
    public const int MaxWaitMilliseconds = 20_000;

    // Note: a callback stored through this instance wakes the claim at once; one stored through another instance
    // is found by the next check.
    private static readonly TimeSpan LongPollStep = TimeSpan.FromMilliseconds(300);

    private static async Task<List<ClaimedItem>> ClaimOnceAsync(ClaimRequest request, PollerApiServices s, bool recordContact, CancellationToken cancellationToken)
    {

        var now = s.Lifecycle.UtcNow;
        var leaseUntil = now + s.Options.Value.LeaseDuration;
        var leaseId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var kinds = string.Join(',', request.Kinds ?? [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event]);

        await using var tx = await s.Db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // Note: ORDER BY status, id follows the (status, id) index, so only the rows returned get locked; a plain
        // ORDER BY id would sort first and lock every candidate, starving a poller claiming at the same moment.
        // SKIP LOCKED lets several pollers (and inbox instances) claim at once without waiting on each
        // other's rows; an expired lease counts as pending again, which is how a crashed poller's work returns.
        var candidates = await s.Db.Database.SqlQuery<Candidate>($"""
            SELECT id AS Id, status AS Status, leased_by AS LeasedBy FROM inbox_items
            WHERE (status = 'pending' OR (status = 'leased' AND lease_until < {now}))
              AND (deadline IS NULL OR deadline > {now})
              AND FIND_IN_SET(kind, {kinds}) > 0
            ORDER BY status, id
            LIMIT {request.MaxItems}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);

        var ids = candidates.Select(c => c.Id).ToList();
        if (ids.Count > 0)
        {
            await s.Db.Items.Where(i => ids.Contains(i.Id)).ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Leased)
                .SetProperty(i => i.LeaseId, leaseId)
                .SetProperty(i => i.LeasedBy, request.PollerId)
                .SetProperty(i => i.LeaseUntil, leaseUntil)
                .SetProperty(i => i.ClaimedAt, now)
                .SetProperty(i => i.Attempts, i => i.Attempts + 1), cancellationToken);

            foreach (var c in candidates)
            {
                if (c.Status == InboxItemStatuses.Leased)
                {
                    s.Db.ItemEvents.Add(new InboxItemEvent { ItemId = c.Id, At = now, Type = InboxEventTypes.LeaseExpired, Actor = c.LeasedBy, Detail = "lease ended without completion; item taken over" });
                }

                s.Db.ItemEvents.Add(new InboxItemEvent { ItemId = c.Id, At = now, Type = InboxEventTypes.Claimed, Actor = request.PollerId, Detail = $"lease until {leaseUntil:O}" });
            }

            await s.Db.SaveChangesAsync(cancellationToken);
        }

        if (recordContact || ids.Count > 0)
        {
            await s.Db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO pollers (poller_id, first_seen_at, last_claim_at, last_claim_count) VALUES ({request.PollerId}, {now}, {now}, {ids.Count})
            ON DUPLICATE KEY UPDATE last_claim_at = {now}, last_claim_count = {ids.Count}
            """, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);

        var items = ids.Count == 0
            ? []
            : await s.Db.Items.AsNoTracking().Where(i => ids.Contains(i.Id)).OrderBy(i => i.Id).ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            s.Signals.ItemChanged(id); // Note: the waiting page shows 处理中 at once.
        }

        foreach (var i in items.Where(i => i.Attempts == 1))
        {
            InboxMetrics.ClaimLatency.WithLabels(i.Kind).Observe(Math.Max(0, (now - i.ReceivedAt).TotalSeconds));
        }

        var claimed = items.Select(i => new ClaimedItem(
            i.Id, i.Kind, leaseId, Utc(leaseUntil), i.Attempts, Utc(i.ReceivedAt), i.Deadline is { } d ? Utc(d) : null, i.CorrelationId,
            i.Kind == InboxItemKinds.OAuth ? new OAuthCallback(i.OAuthCode, i.OAuthState) : null,
            i.Body is null ? null : new MessageCallback(i.Body, i.Timestamp ?? "", i.Nonce ?? "", i.EncryptType, i.MsgSignature, i.OpenId))).ToList();

        return claimed;
    }

    public static async Task<Results<Ok<CompleteResponse>, NotFound, ProblemHttpResult>> CompleteAsync(
        long id, CompleteRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        var item = await s.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (item is null)
        {
            return TypedResults.NotFound();
        }

        if (item.Status == InboxItemStatuses.Done && item.LeaseId == request.LeaseId)
        {
            // Note: a retried complete (the first answer was lost on the way back) changes nothing.
            return TypedResults.Ok(new CompleteResponse(id, item.Status, Passively(item)));
        }

        if (item.Kind != InboxItemKinds.OAuth)
        {
            return await CompleteMessageAsync(item, request, s, cancellationToken);
        }

        if (item.Kind == InboxItemKinds.OAuth && !s.Options.Value.IsAllowedRedirect(request.RedirectUrl))
        {
            s.Logger.LogWarning("Refused to complete item {ItemId}: redirect outside Inbox:AllowedRedirectPrefixes [{CorrelationId}]", id, item.CorrelationId);
            return TypedResults.Problem("redirectUrl is missing or does not start with an allowed prefix.", statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["code"] = "redirect_not_allowed" });
        }

        var now = s.Lifecycle.UtcNow;
        var changed = await s.Db.Items
            .Where(i => i.Id == id && i.Status == InboxItemStatuses.Leased && i.LeaseId == request.LeaseId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Done)
                .SetProperty(i => i.CompletedAt, now)
                .SetProperty(i => i.RedirectUrl, request.RedirectUrl)
                .SetProperty(i => i.OpenId, request.OpenId != null && request.OpenId.Length <= 64 ? request.OpenId : null)
                .SetProperty(i => i.Outcome, Truncate(request.Outcome, 64)), cancellationToken);
        if (changed == 0)
        {
            return LeaseLost(s, item);
        }

        s.Signals.ItemChanged(id);
        InboxMetrics.ProcessingLatency.WithLabels(item.Kind).Observe(Math.Max(0, (now - item.ReceivedAt).TotalSeconds));
        await s.Lifecycle.RecordAsync(id, InboxEventTypes.Completed, item.LeasedBy, request.Outcome, cancellationToken);
        s.Logger.LogInformation("Item {ItemId} completed by {PollerId} with outcome {Outcome} [{CorrelationId}]", id, item.LeasedBy, request.Outcome, item.CorrelationId);
        return TypedResults.Ok(new CompleteResponse(id, InboxItemStatuses.Done));
    }

    private static async Task<Results<Ok<CompleteResponse>, NotFound, ProblemHttpResult>> CompleteMessageAsync(
        InboxItem item, CompleteRequest request, PollerApiServices s, CancellationToken cancellationToken)
    {
        if (request.ReplyBody is { Length: > WeixinXml.MaxCharacters })
        {
            return TypedResults.Problem("replyBody is too large.", statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["code"] = "reply_too_large" });
        }

        var now = s.Lifecycle.UtcNow;
        await using var tx = await s.Db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await s.Db.Items
            .Where(i => i.Id == item.Id && i.Status == InboxItemStatuses.Leased && i.LeaseId == request.LeaseId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Done)
                .SetProperty(i => i.CompletedAt, now)
                .SetProperty(i => i.ReplyBody, request.ReplyBody ?? "")
                .SetProperty(i => i.Outcome, Truncate(request.Outcome, 64)), cancellationToken);
        if (changed == 0)
        {
            await tx.RollbackAsync(cancellationToken);
            return LeaseLost(s, item);
        }

        // Note: WeChat's request and this completion race on wait_state; the row lock makes exactly one of
        // "answered" (the waiting request sends the reply) and "gone" (customer service must) win.
        var passive = await s.Db.Items
            .Where(i => i.Id == item.Id && i.WaitState == WaitStates.Waiting)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.WaitState, WaitStates.Answered), cancellationToken) == 1;
        await tx.CommitAsync(cancellationToken);
        s.Signals.ItemChanged(item.Id);
        InboxMetrics.ProcessingLatency.WithLabels(item.Kind).Observe(Math.Max(0, (now - item.ReceivedAt).TotalSeconds));
        InboxMetrics.Replies.WithLabels(passive ? "passive" : "customer_service").Inc();

        await s.Lifecycle.RecordAsync(item.Id, InboxEventTypes.Completed, item.LeasedBy, request.Outcome, cancellationToken);
        if (passive)
        {
            await s.Lifecycle.RecordAsync(item.Id, InboxEventTypes.RepliedPassively, null,
                string.IsNullOrEmpty(request.ReplyBody) ? "no reply (success)" : "reply handed to the waiting WeChat request", cancellationToken);
        }

        s.Logger.LogInformation("Item {ItemId} completed by {PollerId} with outcome {Outcome}; delivered passively: {Passive} [{CorrelationId}]",
            item.Id, item.LeasedBy, request.Outcome, passive, item.CorrelationId);
        return TypedResults.Ok(new CompleteResponse(item.Id, InboxItemStatuses.Done, passive));
    }

    private static bool? Passively(InboxItem item) => item.Kind == InboxItemKinds.OAuth ? null : item.WaitState == WaitStates.Answered;

    public static async Task<Results<Ok<FailResponse>, NotFound, ProblemHttpResult>> FailAsync(
        long id, FailRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        var item = await s.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (item is null)
        {
            return TypedResults.NotFound();
        }

        var error = Truncate(request.Error, 1024) ?? "unspecified";
        var now = s.Lifecycle.UtcNow;
        var owned = s.Db.Items.Where(i => i.Id == id && i.Status == InboxItemStatuses.Leased && i.LeaseId == request.LeaseId);
        var changed = request.Retry
            ? await owned.ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Pending)
                .SetProperty(i => i.LeaseId, (string?)null)
                .SetProperty(i => i.LeaseUntil, (DateTime?)null)
                .SetProperty(i => i.Error, error), cancellationToken)
            : await owned.ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Failed)
                .SetProperty(i => i.FailedAt, now)
                .SetProperty(i => i.Error, error), cancellationToken);
        if (changed == 0)
        {
            return LeaseLost(s, item);
        }

        var status = request.Retry ? InboxItemStatuses.Pending : InboxItemStatuses.Failed;
        s.Signals.ItemChanged(id);
        if (request.Retry)
        {
            s.Signals.ItemStored();
        }

        await s.Lifecycle.RecordAsync(id, request.Retry ? InboxEventTypes.Released : InboxEventTypes.Failed, item.LeasedBy, error, cancellationToken);
        s.Logger.LogWarning("Item {ItemId} {Action} by {PollerId}: {Error} [{CorrelationId}]",
            id, request.Retry ? "released for retry" : "failed", item.LeasedBy, error, item.CorrelationId);
        return TypedResults.Ok(new FailResponse(id, status));
    }

    private static ProblemHttpResult LeaseLost(PollerApiServices s, InboxItem item)
    {
        s.Logger.LogWarning("Item {ItemId} is no longer leased to the caller (status {Status}) [{CorrelationId}]", item.Id, item.Status, item.CorrelationId);
        return TypedResults.Problem(
            item.Status == InboxItemStatuses.Expired ? "The item expired before it was completed." : "The lease is no longer yours.",
            statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?> { ["code"] = item.Status == InboxItemStatuses.Expired ? "expired" : "lease_lost", ["status"] = item.Status });
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static string? Truncate(string? value, int max) => value is null ? null : value.Length <= max ? value : value[..max];
}
