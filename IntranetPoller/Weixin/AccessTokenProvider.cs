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

    private static readonly DateTime Rejected = DateTime.UnixEpoch;

    /// <summary>A valid access_token, fetched first if needed. The result's ErrMsg explains a failure (no secrets).</summary>
    public async Task<WeixinResult<string>> GetAsync(CancellationToken cancellationToken)
    {
        var appId = options.CurrentValue.AppId;
        var stored = await db.AccessTokens.AsNoTracking().SingleOrDefaultAsync(t => t.AppId == appId, cancellationToken);
        return stored is not null && IsFresh(stored) ? WeixinResult.Ok(stored.Token) : await RefreshAsync(appId, cancellationToken);
    }

    /// <summary>
    /// Marks <paramref name="token"/> as rejected by WeChat (40001, 40014, 42001), so the next <see cref="GetAsync"/>
    /// fetches a new one. A token already replaced by another instance is left alone.
    /// </summary>
    public async Task InvalidateAsync(string token, CancellationToken cancellationToken)
    {
        var appId = options.CurrentValue.AppId;
        var rejected = new DateTimeOffset(Rejected);
        var updated = await db.AccessTokens
            .Where(t => t.AppId == appId && t.Token == token)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, rejected), cancellationToken);
        if (updated == 1)
        {
            logger.LogWarning("WeChat rejected the stored access_token of {AppId}; the next call fetches a new one", appId);
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

        // Note: stable_token keeps answering the same token until it nears expiry; after WeChat rejected it only a
        // forced refresh gets a new one (WeChat allows 20 a day).
        var forceRefresh = locked.Token.Length > 0 && locked.ExpiresAt.UtcDateTime == Rejected;
        var fetched = await weixin.FetchAccessTokenAsync(forceRefresh, cancellationToken);
        PollerMetrics.AccessTokenFetches.WithLabels(fetched.Outcome == WeixinOutcome.Ok ? "ok" : "error").Inc();
        if (fetched.Outcome != WeixinOutcome.Ok)
        {
            await transaction.RollbackAsync(cancellationToken);
            LogFetchFailure(appId, fetched);
            return WeixinResult.Unreachable<string>($"no access_token: {Describe(fetched)}", fetched.ErrCode);
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
        if (entry.Token.Length == 0)
        {
            return false;
        }

        // Note: a short-lived token (a test double's) is renewed at half its life instead of never being fresh.
        var lifetime = entry.ExpiresAt - entry.FetchedAt;
        var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
        return entry.ExpiresAt - margin > time.GetUtcNow();
    }

    private void LogFetchFailure(string appId, WeixinResult<WeixinAccessToken> fetched)
    {
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
