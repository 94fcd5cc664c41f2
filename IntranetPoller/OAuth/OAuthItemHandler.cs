using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>
/// Turns one stored OAuth callback into a redirect for the waiting browser: checks the state, exchanges the
/// code, records the WeChat user and issues a one-time ticket. Safe to run again for the same item.
/// </summary>
public sealed class OAuthItemHandler(
    GatewayDbContext db,
    WeixinUserDirectory users,
    WeixinOAuthClient weixin,
    IOptionsMonitor<OAuthOptions> options,
    TimeProvider time,
    ILogger<OAuthItemHandler> logger) : IItemHandler
{
    /// <summary>Outcome recorded when a ticket was issued.</summary>
    public const string TicketIssuedOutcome = "ticket_issued";

    /// <summary>How often a busy <c>sns/userinfo</c> is retried within one attempt (the code cannot be exchanged twice).</summary>
    public const int UserInfoRetries = 3;

    /// <summary>Decides what to do with a claimed <c>oauth</c> item.</summary>
    public async Task<ItemDecision> HandleAsync(ClaimedItem item, CancellationToken cancellationToken)
    {
        var oauth = options.CurrentValue;

        // 1. The state must name a login we started.
        var state = item.OAuth?.State;
        var login = string.IsNullOrEmpty(state) || state.Length > 64
            ? null
            : await db.Logins.AsNoTracking().SingleOrDefaultAsync(l => l.State == state, cancellationToken);
        if (login is null)
        {
            return Finish(item, null, new ItemDecision.Complete(
                ReturnUrlPolicy.AppendQuery(oauth.DefaultErrorUrl, "err", LoginErrors.StateUnknown), LoginErrors.StateUnknown));
        }

        if (login.ItemId == item.Id)
        {
            // 2. A second delivery of the same item (lost complete, lease expired): repeat the answer, never a second user or login.
            switch (login.Status)
            {
                case LoginStatuses.TicketIssued:
                    return await ReissueTicketAsync(item, login, cancellationToken);
                case LoginStatuses.Failed:
                    return Finish(item, login, ErrorRedirect(login, login.ErrorCode ?? LoginErrors.WeixinError));
                case LoginStatuses.Redeemed:
                    return Finish(item, login, ErrorRedirect(login, LoginErrors.StateUsed));
                default:
                    // Note: still pending: an earlier attempt claimed the state and then could not reach WeChat; carry on.
                    break;
            }
        }
        else
        {
            // 3. Consumed by another callback (a replayed or duplicated redirect).
            if (login.ItemId is not null)
            {
                return Finish(item, login, ErrorRedirect(login, LoginErrors.StateUsed));
            }

            // 4. Too old.
            if (time.GetUtcNow() > login.ExpiresAt)
            {
                return Finish(item, login, ErrorRedirect(login, LoginErrors.StateExpired));
            }

            // 5. Claim the state for this item; only one item can ever win it.
            var claimed = await db.Logins
                .Where(l => l.Id == login.Id && l.ItemId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.ItemId, item.Id), cancellationToken);
            if (claimed == 0)
            {
                return Finish(item, login, ErrorRedirect(login, LoginErrors.StateUsed));
            }
        }

        // 6. No code: the user pressed 「拒绝」.
        var code = item.OAuth?.Code;
        if (string.IsNullOrEmpty(code))
        {
            return await FailLoginAsync(item, login, LoginErrors.Denied, cancellationToken);
        }

        // 7. Code → access token + openid.
        var token = await weixin.ExchangeCodeAsync(code, cancellationToken);
        if (token.Outcome != WeixinOutcome.Ok)
        {
            return await WeixinFailureAsync(item, login, "sns/oauth2/access_token", token.Outcome, token.ErrCode, token.ErrMsg, cancellationToken);
        }

        // 7b. 快照页模式: the openid is a virtual account's. Never recorded, bound or signed in: the user must tap
        // 「使用完整服务」 and log in again.
        if (token.Value!.IsSnapshot)
        {
            logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): WeChat answered a snapshot-mode (virtual) user; login refused",
                item.Id, LoginSecrets.LogRef(login.Id));
            return await FailLoginAsync(item, login, LoginErrors.SnapshotUser, cancellationToken);
        }

        // 8. Profile. Note: the code is spent now, so a later attempt could only get 40163; a busy userinfo is
        // retried here, within this attempt, and then given up as WeChat being unavailable.
        var profile = await weixin.GetUserInfoAsync(token.Value!.AccessToken, token.Value.OpenId, cancellationToken);
        for (var retry = 1; profile.Outcome == WeixinOutcome.Unreachable && retry <= UserInfoRetries; retry++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300 * retry), time, cancellationToken);
            profile = await weixin.GetUserInfoAsync(token.Value.AccessToken, token.Value.OpenId, cancellationToken);
        }

        if (profile.Outcome == WeixinOutcome.Unreachable)
        {
            logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): sns/userinfo unreachable after {Retries} retries: {Reason}",
                item.Id, LoginSecrets.LogRef(login.Id), UserInfoRetries, profile.ErrMsg);
            return await FailLoginAsync(item, login, LoginErrors.WeixinUnavailable, cancellationToken);
        }

        if (profile.Outcome != WeixinOutcome.Ok)
        {
            return await WeixinFailureAsync(item, login, "sns/userinfo", profile.Outcome, profile.ErrCode, profile.ErrMsg, cancellationToken);
        }

        // 9. User directory + ticket.
        return await IssueTicketAsync(item, login, profile.Value!, cancellationToken);
    }

    private async Task<ItemDecision> WeixinFailureAsync(
        ClaimedItem item, WeixinLogin login, string api, WeixinOutcome outcome, int errCode, string? errMsg, CancellationToken cancellationToken)
    {
        if (outcome == WeixinOutcome.Unreachable)
        {
            if (item.Attempts < options.CurrentValue.MaxAttempts)
            {
                // Note: item_id stays set to this item, so the retry is recognised as the same login (rule 2).
                logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): WeChat unreachable on attempt {Attempts}, retrying later: {Reason}",
                    item.Id, LoginSecrets.LogRef(login.Id), item.Attempts, errMsg);
                return new ItemDecision.RetryLater($"WeChat unreachable ({errMsg})");
            }

            logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): WeChat still unreachable after {Attempts} attempts: {Reason}",
                item.Id, LoginSecrets.LogRef(login.Id), item.Attempts, errMsg);
            return await FailLoginAsync(item, login, LoginErrors.WeixinUnavailable, cancellationToken);
        }

        var error = errCode switch
        {
            WeixinErrorCodes.InvalidCode => LoginErrors.CodeInvalid,
            WeixinErrorCodes.CodeUsed => LoginErrors.CodeUsed,
            WeixinErrorCodes.ApiUnauthorized => LoginErrors.ApiUnauthorized,
            _ => LoginErrors.WeixinError,
        };
        if (errCode == WeixinErrorCodes.ApiUnauthorized)
        {
            WeixinPermissions.Log(logger, api, errMsg);
        }

        logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): {Api} answered errcode {ErrCode} {ErrMsg}",
            item.Id, LoginSecrets.LogRef(login.Id), api, errCode, errMsg);
        return await FailLoginAsync(item, login, error, cancellationToken);
    }

    private async Task<ItemDecision> FailLoginAsync(ClaimedItem item, WeixinLogin login, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var updated = await db.Logins
            .Where(l => l.Id == login.Id && l.ItemId == item.Id && l.Status == LoginStatuses.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Status, LoginStatuses.Failed)
                .SetProperty(l => l.ErrorCode, error)
                .SetProperty(l => l.CompletedAt, now), cancellationToken);
        return updated == 1
            ? Finish(item, login, ErrorRedirect(login, error))
            : ChangedMeanwhile(item, login);
    }

    private async Task<ItemDecision> IssueTicketAsync(ClaimedItem item, WeixinLogin login, WeixinUserInfo profile, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ticket = LoginSecrets.NewToken();
        var ticketHash = LoginSecrets.HashTicket(ticket);
        var ticketExpiresAt = now + options.CurrentValue.TicketLifetime;

        // Note: the user row and the ticket commit together, so a crash between them neither counts a login
        // twice nor leaves a ticket without its user.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await users.RecordLoginAsync(profile, cancellationToken);
        var updated = await db.Logins
            .Where(l => l.Id == login.Id && l.ItemId == item.Id && l.Status == LoginStatuses.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Status, LoginStatuses.TicketIssued)
                .SetProperty(l => l.OpenId, profile.OpenId)
                .SetProperty(l => l.TicketHash, ticketHash)
                .SetProperty(l => l.TicketExpiresAt, ticketExpiresAt)
                .SetProperty(l => l.CompletedAt, now), cancellationToken);
        if (updated == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return ChangedMeanwhile(item, login);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("OAuth item {ItemId} (login {LoginRef}): WeChat user {OpenId} signed in",
            item.Id, LoginSecrets.LogRef(login.Id), profile.OpenId);
        return Finish(item, login, new ItemDecision.Complete(ReturnUrlPolicy.AppendQuery(login.ReturnUrl, "ticket", ticket), TicketIssuedOutcome, profile.OpenId));
    }

    private async Task<ItemDecision> ReissueTicketAsync(ClaimedItem item, WeixinLogin login, CancellationToken cancellationToken)
    {
        // Note: the first ticket went into a redirect the browser may never have received; replacing the hash
        // keeps exactly one valid ticket for the login.
        var now = time.GetUtcNow();
        var ticket = LoginSecrets.NewToken();
        var ticketHash = LoginSecrets.HashTicket(ticket);
        var ticketExpiresAt = now + options.CurrentValue.TicketLifetime;
        var updated = await db.Logins
            .Where(l => l.Id == login.Id && l.ItemId == item.Id && l.Status == LoginStatuses.TicketIssued)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.TicketHash, ticketHash)
                .SetProperty(l => l.TicketExpiresAt, ticketExpiresAt), cancellationToken);
        if (updated == 0)
        {
            return ChangedMeanwhile(item, login);
        }

        logger.LogInformation("OAuth item {ItemId} (login {LoginRef}): delivered again, ticket replaced",
            item.Id, LoginSecrets.LogRef(login.Id));
        return Finish(item, login, new ItemDecision.Complete(ReturnUrlPolicy.AppendQuery(login.ReturnUrl, "ticket", ticket), TicketIssuedOutcome, login.OpenId));
    }

    private ItemDecision.RetryLater ChangedMeanwhile(ClaimedItem item, WeixinLogin login)
    {
        // Note: another delivery of this item got there first (a lease ended mid-processing); let the inbox decide
        // whose result stands rather than overwrite a ticket the browser may already hold.
        logger.LogWarning("OAuth item {ItemId} (login {LoginRef}): login changed while processing, releasing the item",
            item.Id, LoginSecrets.LogRef(login.Id));
        return new ItemDecision.RetryLater("login changed while processing");
    }

    private static ItemDecision.Complete ErrorRedirect(WeixinLogin login, string error) =>
        new(ReturnUrlPolicy.AppendQuery(login.ErrorUrl, "err", error), error);

    private ItemDecision.Complete Finish(ClaimedItem item, WeixinLogin? login, ItemDecision.Complete decision)
    {
        logger.LogInformation("OAuth item {ItemId} (login {LoginRef}): {Outcome}",
            item.Id, LoginSecrets.LogRef(login?.Id), decision.Outcome);
        return decision;
    }
}
