using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Callbacks;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.PollerApi;

/// <summary>Bundles what every poller API handler needs (<c>[AsParameters]</c>).</summary>
public sealed record PollerApiServices(InboxDbContext Db, ItemStore Items, IOptions<InboxOptions> Options, InboxSignals Signals, ILogger<PollerApiServices> Logger);

/// <summary>
/// The intranet poller's only way in: it claims items (a lease), extends the lease while it works, then completes or
/// fails them. Every request is HMAC-signed by the poller (<c>PollerSigning</c> keys). The transitions are
/// <see cref="ItemStore"/>'s; this maps HTTP to them.
/// </summary>
public static class PollerApi
{
    public const string SigningName = "PollerSigning";

    /// <summary>The problem <c>title</c> (and <c>code</c>) when the caller's lease is no longer the item's.</summary>
    public const string LeaseLostCode = "lease_lost";

    public static IEndpointRouteBuilder MapPollerApi(this IEndpointRouteBuilder app)
    {
        // Note: quiet request lines (Debug below 400) where the poller calls per message or per login: what happened is
        // said by the inbox's own lines (claims, completions per batch, refusals as warnings) and the items' timelines.
        // A single complete or fail keeps its line: logins (and failures) go that way, and a login's trail across the
        // services shows the poller's complete under the login's correlation id.
        var group = app.MapGroup("/poller/v1").RequireSignedRequests(SigningName);
        group.MapPost("/claim", ClaimAsync).WithQuietRequestLog();
        group.MapPost("/items/{id:long}/lease", ExtendLeaseAsync).WithQuietRequestLog();
        group.MapPost("/items/{id:long}/complete", CompleteAsync);
        group.MapPost("/items/complete-many", CompleteManyAsync).WithQuietRequestLog();
        group.MapPost("/items/{id:long}/fail", FailAsync);
        group.MapPost("/oauth-states", AnnounceStateAsync).WithQuietRequestLog();
        return app;
    }

    /// <summary>Longest time ahead a state may be announced for (the gateway's state lifetime is at most an hour).</summary>
    public static readonly TimeSpan MaxStateLifetime = TimeSpan.FromDays(1);

    /// <summary>
    /// The poller announces an OAuth state it is about to hand out (its SHA-256 and expiry): from now on, and until it
    /// expires, one <c>/wx/oauth/callback</c> with that state is stored. Repeating an announcement changes nothing.
    /// </summary>
    public static async Task<Results<Ok<AnnounceStateResponse>, ProblemHttpResult>> AnnounceStateAsync(
        AnnounceStateRequest request, OAuthStateStore states, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        if (OAuthStateHash.Parse(request.StateSha256) is not { } hash)
        {
            return TypedResults.Problem($"stateSha256 must be {OAuthStateHash.HexLength} hex digits.", statusCode: StatusCodes.Status400BadRequest);
        }

        var now = s.Items.UtcNow;
        var expiresAt = request.ExpiresAt.UtcDateTime;
        if (expiresAt <= now || expiresAt > now + MaxStateLifetime)
        {
            return TypedResults.Problem("expiresAt must lie in the future, at most a day ahead.", statusCode: StatusCodes.Status400BadRequest);
        }

        await states.AnnounceAsync(hash, expiresAt, cancellationToken);
        s.Logger.LogDebug("OAuth state announced, expires at {ExpiresAt:O}", expiresAt);
        return TypedResults.Ok(new AnnounceStateResponse(Convert.ToHexStringLower(hash), Utc(expiresAt)));
    }

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

        if (PollerAlerts.Problem(request.Alerts) is { } bad)
        {
            return TypedResults.Problem(bad, statusCode: StatusCodes.Status400BadRequest);
        }

        var watch = Stopwatch.StartNew();
        IReadOnlyList<string> kinds = request.Kinds ?? [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event];
        // Note: expiry first, so an item past its deadline is never handed out (the claim skips it) and the
        // poller's late complete of one is answered "expired". Set-based, so it costs one SELECT when none is due.
        await s.Items.ExpireOverdueAsync(null, cancellationToken);
        var claimed = await s.Items.ClaimAsync(request.PollerId, request.MaxItems, kinds, recordContact: true, request.Alerts, cancellationToken);

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
            claimed = await s.Items.ClaimAsync(request.PollerId, request.MaxItems, kinds, recordContact: last, request.Alerts, CancellationToken.None);
        }

        if (claimed.Count > 0)
        {
            s.Logger.LogInformation("Claimed {Count} items for {PollerId} in {Elapsed} ms", claimed.Count, request.PollerId, watch.ElapsedMilliseconds);
        }

        return TypedResults.Ok(new ClaimResponse([.. claimed.Select(ToClaimed)], Utc(s.Items.UtcNow)));
    }

    /// <summary>Longest long-poll a poller may ask for.</summary>
    public const int MaxWaitMilliseconds = 20_000;

    // Note: a callback stored through this instance wakes the claim at once; one stored through another instance
    // is found by the next check.
    private static readonly TimeSpan LongPollStep = TimeSpan.FromMilliseconds(300);

    private static ClaimedItem ToClaimed(InboxItem i) => new(
        i.Id, i.Kind, i.LeaseId!, Utc(i.LeaseUntil!.Value), i.Attempts, Utc(i.ReceivedAt), i.Deadline is { } d ? Utc(d) : null, i.CorrelationId,
        i.Kind == InboxItemKinds.OAuth ? new OAuthCallback(i.OAuthCode, i.OAuthState) : null,
        i.Body is null ? null : new MessageCallback(i.Body, i.Timestamp ?? "", i.Nonce ?? "", i.EncryptType, i.MsgSignature, i.OpenId));

    /// <summary>
    /// Extends a lease its holder still owns to now + <c>Inbox:LeaseDuration</c>. 404 for an unknown item; 409
    /// (<c>lease_lost</c>, or <c>expired</c> past the deadline) when the lease is not the caller's any more.
    /// </summary>
    public static async Task<Results<Ok<LeaseResponse>, NotFound, ProblemHttpResult>> ExtendLeaseAsync(
        long id, LeaseRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.LeaseId))
        {
            return TypedResults.Problem("leaseId is required.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (await s.Items.ExtendLeaseAsync(id, request.LeaseId, cancellationToken) is { } until)
        {
            return TypedResults.Ok(new LeaseResponse(id, Utc(until)));
        }

        // Note: refused: an item held past its deadline is expired now rather than at the next sweep, so the
        // answer (and the timeline) say so at once.
        await s.Items.ExpireOverdueAsync(id, cancellationToken);
        var item = await s.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        return item is null ? TypedResults.NotFound() : LeaseLost(s, item);
    }

    public static async Task<Results<Ok<CompleteResponse>, NotFound, ProblemHttpResult>> CompleteAsync(
        long id, CompleteRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        InboxItem? item;
        if (request.RedirectUrl is null && request.ReplyBody is not { Length: > WeixinXml.MaxCharacters })
        {
            // Note: the common case, a message's reply: the completion's own statement decides (no state read first);
            // its state comes back with it for the rest (a repeat, a lost lease, or a login after all).
            var result = (await s.Items.CompleteMessagesAsync([new MessageCompletionRequest(id, request.LeaseId, request.ReplyBody, request.Outcome)], cancellationToken))[0];
            if (result.Completed is { } done)
            {
                return TypedResults.Ok(new CompleteResponse(id, InboxItemStatuses.Done, done == Completion.DonePassively));
            }

            item = result.State;
            if (item is not null && item.Kind != InboxItemKinds.OAuth)
            {
                return item.Status == InboxItemStatuses.Done && item.LeaseId == request.LeaseId
                    ? TypedResults.Ok(new CompleteResponse(id, item.Status, Passively(item)))
                    : LeaseLost(s, item);
            }
        }
        else
        {
            item = await StateOfAsync(s, id, cancellationToken);
        }

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
            if (request.ReplyBody is { Length: > WeixinXml.MaxCharacters })
            {
                return TypedResults.Problem("replyBody is too large.", statusCode: StatusCodes.Status400BadRequest,
                    extensions: new Dictionary<string, object?> { ["code"] = "reply_too_large" });
            }

            var completion = await s.Items.CompleteMessageAsync(item, request.LeaseId, request.ReplyBody, request.Outcome, cancellationToken);
            return completion == Completion.LeaseLost
                ? LeaseLost(s, item)
                : TypedResults.Ok(new CompleteResponse(id, InboxItemStatuses.Done, completion == Completion.DonePassively));
        }

        if (!s.Options.Value.IsAllowedRedirect(request.RedirectUrl))
        {
            s.Logger.LogWarning("Refused to complete item {ItemId}: redirect outside Inbox:AllowedRedirectPrefixes", id);
            return TypedResults.Problem("redirectUrl is missing or does not start with an allowed prefix.", statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["code"] = "redirect_not_allowed" });
        }

        return await s.Items.CompleteLoginAsync(item, request.LeaseId, request.RedirectUrl!, request.OpenId, request.Outcome, cancellationToken) == Completion.LeaseLost
            ? LeaseLost(s, item)
            : TypedResults.Ok(new CompleteResponse(id, InboxItemStatuses.Done));
    }

    /// <summary>
    /// Completes up to <see cref="CompleteManyRequest.MaxItems"/> messages and events in one transaction and answers each
    /// separately (<see cref="CompleteManyCodes"/>). Logins are refused per item (they need their redirect checked).
    /// </summary>
    public static async Task<Results<Ok<CompleteManyResponse>, ProblemHttpResult>> CompleteManyAsync(
        CompleteManyRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        if (request.Items is not { Count: > 0 and <= CompleteManyRequest.MaxItems })
        {
            return TypedResults.Problem($"items must hold 1 to {CompleteManyRequest.MaxItems} entries.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.Items.Any(i => string.IsNullOrEmpty(i?.LeaseId)))
        {
            return TypedResults.Problem("every item needs its leaseId.", statusCode: StatusCodes.Status400BadRequest);
        }

        var answers = new CompleteManyResult?[request.Items.Count];
        var asked = new List<(int Index, MessageCompletionRequest Request)>(request.Items.Count);
        var seen = new HashSet<long>();
        for (var n = 0; n < request.Items.Count; n++)
        {
            var i = request.Items[n];
            if (i.ReplyBody is { Length: > WeixinXml.MaxCharacters })
            {
                answers[n] = new CompleteManyResult(i.Id, null, Code: CompleteManyCodes.ReplyTooLarge);
            }
            else if (!seen.Add(i.Id))
            {
                // Note: each item once per transaction; the events of a second completion would be recorded twice.
                answers[n] = new CompleteManyResult(i.Id, null, Code: CompleteManyCodes.Duplicate);
            }
            else
            {
                asked.Add((n, new MessageCompletionRequest(i.Id, i.LeaseId, i.ReplyBody, i.Outcome)));
            }
        }

        if (asked.Count > 0)
        {
            var results = await s.Items.CompleteMessagesAsync([.. asked.Select(a => a.Request)], cancellationToken);
            for (var k = 0; k < asked.Count; k++)
            {
                var (n, ask) = asked[k];
                answers[n] = results[k] switch
                {
                    { Completed: { } done } => new CompleteManyResult(ask.Id, InboxItemStatuses.Done, done == Completion.DonePassively),
                    { State: null } => new CompleteManyResult(ask.Id, null, Code: CompleteManyCodes.NotFound),
                    { State: { Kind: InboxItemKinds.OAuth } login } => new CompleteManyResult(ask.Id, login.Status, Code: CompleteManyCodes.NotAMessage),
                    // Note: a repeat of a completion that went through (its answer was lost on the way back) changes nothing.
                    { State: { } row } when row.Status == InboxItemStatuses.Done && row.LeaseId == ask.LeaseId =>
                        new CompleteManyResult(ask.Id, row.Status, Passively(row)),
                    { State: { } row } => LeaseLostResult(s, row),
                };
            }
        }

        foreach (var refused in answers.Where(a => a!.Code is CompleteManyCodes.ReplyTooLarge or CompleteManyCodes.NotAMessage or CompleteManyCodes.Duplicate or CompleteManyCodes.NotFound))
        {
            s.Logger.LogWarning("Refused to complete item {ItemId} in a batch: {Code}", refused!.Id, refused.Code);
        }

        return TypedResults.Ok(new CompleteManyResponse([.. answers.Select(a => a!)]));
    }

    private static CompleteManyResult LeaseLostResult(PollerApiServices s, InboxItem item)
    {
        s.Logger.LogWarning("Item {ItemId} is no longer leased to the caller (status {Status})", item.Id, item.Status);
        return new CompleteManyResult(item.Id, item.Status, Code: item.Status == InboxItemStatuses.Expired ? CompleteManyCodes.Expired : CompleteManyCodes.LeaseLost);
    }

    /// <summary>
    /// The columns a completion or failure decides on. Note: not the whole row: the callback's body and the reply
    /// (kilobytes each) would be read on every completion for nothing.
    /// </summary>
    private static Task<InboxItem?> StateOfAsync(PollerApiServices s, long id, CancellationToken cancellationToken) =>
        s.Db.Items.AsNoTracking().Where(i => i.Id == id).Select(i => new InboxItem
        {
            Id = i.Id,
            Kind = i.Kind,
            Status = i.Status,
            CorrelationId = i.CorrelationId,
            ReceivedAt = i.ReceivedAt,
            LeaseId = i.LeaseId,
            LeasedBy = i.LeasedBy,
            WaitState = i.WaitState,
        }).SingleOrDefaultAsync(cancellationToken);

    private static bool? Passively(InboxItem item) => item.Kind == InboxItemKinds.OAuth ? null : item.WaitState == WaitStates.Answered;

    public static async Task<Results<Ok<FailResponse>, NotFound, ProblemHttpResult>> FailAsync(
        long id, FailRequest request, [AsParameters] PollerApiServices s, CancellationToken cancellationToken)
    {
        var item = await StateOfAsync(s, id, cancellationToken);
        if (item is null)
        {
            return TypedResults.NotFound();
        }

        var error = request.Error is { Length: > 1024 } ? request.Error[..1024] : request.Error ?? "unspecified";
        var changed = request.Retry
            ? await s.Items.ReleaseForRetryAsync(item, request.LeaseId, error, cancellationToken)
            : await s.Items.FailAsync(item, request.LeaseId, error, cancellationToken);
        return changed
            ? TypedResults.Ok(new FailResponse(id, request.Retry ? InboxItemStatuses.Pending : InboxItemStatuses.Failed))
            : LeaseLost(s, item);
    }

    /// <summary>409: the caller's lease is not the item's any more; it must stop working the item and not report on it.</summary>
    private static ProblemHttpResult LeaseLost(PollerApiServices s, InboxItem item)
    {
        var expired = item.Status == InboxItemStatuses.Expired;
        s.Logger.LogWarning("Item {ItemId} is no longer leased to the caller (status {Status})", item.Id, item.Status);
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = LeaseLostCode,
            Detail = expired ? "The item expired before it was completed." : "The lease is no longer yours.",
            Extensions = { ["code"] = expired ? "expired" : LeaseLostCode, ["status"] = item.Status },
        });
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
