using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Diagnostics;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>
/// The account's access_token, with one owner: the gateway database (<c>access_tokens</c>). Every instance reads the
/// stored token; when it is about to expire, one instance at a time refreshes it under a row lock.
/// </summary>
public sealed class AccessTokenProvider(
    GatewayDbContext db,
    WeixinServiceClient weixin,
    IOptionsMonitor<WeixinOptions> options,
    TimeProvider time,
    ILogger<AccessTokenProvider> logger)
{
    /// <summary>A token is replaced this long before it expires (at most half its lifetime).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>At least this long between two forced refreshes of stable_token, across all instances (WeChat: 30 s).</summary>
    public static readonly TimeSpan ForceRefreshInterval = TimeSpan.FromSeconds(30);

    // Note: markers in expires_at: Rejected (40001/40014) asks for a forced refresh, Expired (42001) for a normal
    // fetch; both lie in the past, so the token is never fresh.
    private static readonly DateTime Rejected = DateTime.UnixEpoch;
    private static readonly DateTime Expired = DateTime.UnixEpoch.AddSeconds(1);

    /// <summary>A valid access_token, fetched first if needed. The result's ErrMsg explains a failure (no secrets).</summary>
    public async Task<WeixinResult<string>> GetAsync(CancellationToken cancellationToken)
    {
        var appId = options.CurrentValue.AppId;
        var stored = await db.AccessTokens.AsNoTracking().SingleOrDefaultAsync(t => t.AppId == appId, cancellationToken);
        return stored is not null && IsFresh(stored) ? WeixinResult.Ok(stored.Token) : await RefreshAsync(appId, cancellationToken);
    }

    /// <summary>
    /// Calls WeChat with the shared token; when WeChat refuses the token (40001/40014/42001) it is invalidated and the
    /// call made once more with a fresh one. A second refusal is returned as it is, for the caller to report. When no
    /// token can be had, WeChat is not called and the result (<see cref="WeixinResult{T}.NoAccessToken"/>) carries the
    /// token fetch's outcome, errcode and errmsg.
    /// </summary>
    /// <remarks>
    /// <paramref name="call"/> runs once per token, after the token is in hand: work that must come right before every
    /// send (the outbox renews its claim) belongs inside it.
    /// </remarks>
    public async Task<WeixinResult<T>> CallWithTokenAsync<T>(Func<string, CancellationToken, Task<WeixinResult<T>>> call, CancellationToken cancellationToken)
        where T : class
    {
        for (var round = 0; ; round++)
        {
            var token = await GetAsync(cancellationToken);
            if (token.Outcome != WeixinOutcome.Ok)
            {
                return new WeixinResult<T>(token.Outcome, null, token.ErrCode, token.ErrMsg) { NoAccessToken = true };
            }

            var result = await call(token.Value!, cancellationToken);
            // Note: WeChat refused the token (replaced, revoked or expired early) and carried nothing out, so repeating
            // the call is safe. Only once: a token refused again points at something a new one will not fix, and each
            // rejection may spend one of the 20 forced refreshes a day.
            if (round == 0 && result.Outcome == WeixinOutcome.Error && WeixinErrorCodes.IsTokenRejected(result.ErrCode))
            {
                await InvalidateAsync(token.Value!, result.ErrCode, cancellationToken);
                continue;
            }

            return result;
        }
    }

    /// <summary>
    /// Marks <paramref name="token"/> as refused by WeChat with <paramref name="errCode"/>, so the next
    /// <see cref="GetAsync"/> fetches a new one: after 42001 (expired) a normal fetch, after 40001/40014 (replaced or
    /// revoked) a forced refresh of stable_token. A token already replaced by another instance is left alone.
    /// </summary>
    public async Task InvalidateAsync(string token, int errCode, CancellationToken cancellationToken)
    {
        var appId = options.CurrentValue.AppId;
        // Note: an expired stable_token is renewed by a normal call ("普通模式下平台会提前 5 分钟更新"); forcing one
        // would spend one of the 20 forced refreshes a day and cut off every other holder of the token at once.
        var expired = errCode == WeixinErrorCodes.AccessTokenExpired;
        var marker = new DateTimeOffset(expired ? Expired : Rejected);
        var updated = await db.AccessTokens
            .Where(t => t.AppId == appId && t.Token == token && t.ExpiresAt > marker)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, marker), cancellationToken);
        if (updated == 1)
        {
            logger.LogWarning("WeChat refused the stored access_token of {AppId} (errcode {ErrCode}); the next call fetches a new one{How}",
                appId, errCode, expired ? "" : " (a forced refresh)");
        }
    }

    private async Task<WeixinResult<string>> RefreshAsync(string appId, CancellationToken cancellationToken)
    {
        // Note: the row must exist before it can be locked; locking a missing row takes a gap lock, and two
        // instances inserting into the same gap deadlock.
        var epoch = Rejected;
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO access_tokens (app_id, token, expires_at, fetched_at) VALUES ({appId}, '', {epoch}, {epoch})", cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Note: FOR UPDATE makes every other instance wait here until this one has stored its token, then re-check
        // and use it, so one fetch serves all (cgi-bin/token would invalidate a token another instance just got).
        var locked = (await db.AccessTokens
            .FromSqlInterpolated($"SELECT * FROM access_tokens WHERE app_id = {appId} FOR UPDATE")
            .AsNoTracking()
            .ToListAsync(cancellationToken)).Single();
        if (IsFresh(locked))
        {
            await transaction.CommitAsync(cancellationToken);
            return WeixinResult.Ok(locked.Token);
        }

        // Note: stable_token keeps answering the same token until it nears expiry; after WeChat rejected it (40001,
        // 40014) only a forced refresh gets a new one. WeChat allows 20 a day, at least 30 s apart
        // (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken), so the time of the last
        // one is kept in this row, which every instance reads under the lock: never two within 30 s between them.
        var stable = options.CurrentValue.TokenEndpoint == WeixinOptions.StableTokenEndpoint;
        var forceRefresh = stable && locked.Token.Length > 0 && locked.ExpiresAt.UtcDateTime == Rejected;
        var started = time.GetUtcNow();
        if (forceRefresh && locked.ForcedAt is { } forcedAt && started - forcedAt < ForceRefreshInterval)
        {
            logger.LogWarning("The access_token of {AppId} was rejected, but a forced refresh ran {Seconds:F0} s ago; fetching without forcing",
                appId, (started - forcedAt).TotalSeconds);
            forceRefresh = false;
        }

        if (forceRefresh)
        {
            // Note: recorded before the call and kept whatever WeChat answers: a refused or unanswered forced call still counts.
            await db.AccessTokens.Where(t => t.AppId == appId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ForcedAt, started), cancellationToken);
        }

        var fetched = await weixin.FetchAccessTokenAsync(forceRefresh, cancellationToken);
        PollerMetrics.AccessTokenFetches.WithLabels(fetched.Outcome == WeixinOutcome.Ok ? "ok" : "error").Inc();
        if (fetched.Outcome != WeixinOutcome.Ok)
        {
            await transaction.CommitAsync(cancellationToken);
            LogFetchFailure(appId, fetched, forceRefresh);
            return WeixinResult.Unreachable<string>($"no access_token: {Describe(fetched)}", fetched.ErrCode);
        }

        if (!forceRefresh && locked.ExpiresAt.UtcDateTime == Rejected && fetched.Value!.AccessToken == locked.Token)
        {
            // Note: the rejected token again (no forced refresh allowed yet): not stored, so the next call past the
            // 30 s forces one; the caller retries later.
            await transaction.CommitAsync(cancellationToken);
            logger.LogWarning("WeChat answered the rejected access_token of {AppId} again; a forced refresh is possible {Seconds:F0} s after the last one",
                appId, ForceRefreshInterval.TotalSeconds);
            return WeixinResult.Unreachable<string>("no access_token: WeChat rejected the token and the last forced refresh was less than 30 s ago");
        }

        var now = time.GetUtcNow();
        var token = fetched.Value!;
        var expiresAt = now + TimeSpan.FromSeconds(token.ExpiresIn);
        await db.AccessTokens
            .Where(t => t.AppId == appId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Token, token.AccessToken)
                .SetProperty(t => t.ExpiresAt, expiresAt)
                .SetProperty(t => t.FetchedAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Fetched a new access_token for {AppId} ({Endpoint}{Forced}), valid for {ExpiresIn} s",
            appId, options.CurrentValue.TokenEndpoint, forceRefresh ? ", forced" : "", token.ExpiresIn);
        return WeixinResult.Ok(token.AccessToken);
    }

    private bool IsFresh(AccessTokenEntry entry)
    {
        if (entry.Token.Length == 0 || entry.ExpiresAt <= time.GetUtcNow())
        {
            return false;
        }

        // Note: a short-lived token (a test double's) is renewed at half its life instead of never being fresh.
        var lifetime = entry.ExpiresAt - entry.FetchedAt;
        var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
        return entry.ExpiresAt - margin > time.GetUtcNow();
    }

    private void LogFetchFailure(string appId, WeixinResult<WeixinAccessToken> fetched, bool forced)
    {
        if (forced && WeixinErrorCodes.IsQuota(fetched.ErrCode))
        {
            // Note: WeChat allows 20 forced refreshes a day; past them the rejected token cannot be replaced until tomorrow.
            logger.LogError("WeChat refused a forced refresh of the access_token of {AppId} (errcode {ErrCode}: the 20 forced refreshes a day are used up): {ErrMsg}",
                appId, fetched.ErrCode, fetched.ErrMsg);
            return;
        }

        if (fetched.ErrCode == WeixinErrorCodes.IpNotWhitelisted)
        {
            // Note: errmsg names the egress IP WeChat saw; that IP must be added to the account's IP whitelist.
            logger.LogError("WeChat refused to issue an access_token for {AppId}: errcode 40164, this host's egress IP is not on the account's IP whitelist: {ErrMsg}",
                appId, fetched.ErrMsg);
            return;
        }

        logger.LogError("Could not fetch an access_token for {AppId}: {Reason}", appId, Describe(fetched));
    }

    private static string Describe(WeixinResult<WeixinAccessToken> result) =>
        result.Outcome == WeixinOutcome.Error ? $"errcode {result.ErrCode} {result.ErrMsg}" : result.ErrMsg ?? "unreachable";
}
