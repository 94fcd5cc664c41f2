using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>Codes, access tokens and refresh tokens handed out by the simulated WeChat.</summary>
internal sealed class GrantStore(IOptions<SimulatorOptions> options, TimeProvider time)
{
    // Note: used and expired grants are kept a while so a late caller gets 40163 / 42001
    // (what WeChat answers) instead of a plain "unknown"; after this they are forgotten.
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly SimulatorOptions _options = options.Value;
    private readonly Lock _codeGate = new();
    private readonly ConcurrentDictionary<string, CodeGrant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenGrant> _refreshTokens = new(StringComparer.Ordinal);
    private long _issued;

    /// <summary>
    /// A code for <paramref name="openId"/>; in snapshot mode the code belongs to a fresh virtual user instead (its own
    /// openid, and a virtual unionid when the real user has one), never to the real one.
    /// </summary>
    public string IssueCode(string appId, string openId, string scope, bool snapshot = false, bool hasUnionId = false)
    {
        PruneNowAndThen();
        var code = NewSecret(24); // 32 url-safe characters, like WeChat's codes
        var grant = snapshot
            ? new CodeGrant(appId, "o_snap_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), scope,
                time.GetUtcNow() + _options.CodeLifetime, snapshot: true,
                virtualUnionId: hasUnionId ? "u_snap_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)) : null)
            : new CodeGrant(appId, openId, scope, time.GetUtcNow() + _options.CodeLifetime);
        _codes[code] = grant;
        return code;
    }

    /// <summary>Consumes the code: a code that redeemed once never redeems again.</summary>
    public CodeRedemption RedeemCode(string code, string appId)
    {
        lock (_codeGate)
        {
            if (!_codes.TryGetValue(code, out var grant) || !string.Equals(grant.AppId, appId, StringComparison.Ordinal))
            {
                return new CodeRedemption(CodeOutcome.Unknown, null);
            }

            if (grant.Used)
            {
                return new CodeRedemption(CodeOutcome.AlreadyUsed, null);
            }

            if (time.GetUtcNow() >= grant.ExpiresAt)
            {
                return new CodeRedemption(CodeOutcome.Expired, null);
            }

            grant.Used = true;
            return new CodeRedemption(CodeOutcome.Redeemed, grant);
        }
    }

    /// <summary>Issues a fresh access token; <paramref name="refreshToken"/> is reused when given (WeChat keeps it).</summary>
    public (string AccessToken, string RefreshToken) IssueTokens(
        string appId, string openId, string scope, string? refreshToken = null, bool snapshot = false, string? virtualUnionId = null)
    {
        PruneNowAndThen();
        var now = time.GetUtcNow();
        var accessToken = NewSecret(48);
        _accessTokens[accessToken] = new TokenGrant(appId, openId, scope, now + _options.AccessTokenLifetime, snapshot, virtualUnionId);
        if (refreshToken is null)
        {
            refreshToken = NewSecret(48);
            _refreshTokens[refreshToken] = new TokenGrant(appId, openId, scope, now + _options.RefreshTokenLifetime, snapshot, virtualUnionId);
        }

        return (accessToken, refreshToken);
    }

    public TokenCheck CheckAccessToken(string accessToken) => Check(_accessTokens, accessToken);

    public TokenCheck CheckRefreshToken(string refreshToken) => Check(_refreshTokens, refreshToken);

    private TokenCheck Check(ConcurrentDictionary<string, TokenGrant> tokens, string token)
    {
        if (!tokens.TryGetValue(token, out var grant))
        {
            return new TokenCheck(TokenOutcome.Unknown, null);
        }

        return time.GetUtcNow() >= grant.ExpiresAt
            ? new TokenCheck(TokenOutcome.Expired, grant)
            : new TokenCheck(TokenOutcome.Valid, grant);
    }

    private void PruneNowAndThen()
    {
        if (Interlocked.Increment(ref _issued) % 64 != 0)
        {
            return;
        }

        var cutoff = time.GetUtcNow() - Retention;
        foreach (var (key, grant) in _codes)
        {
            if (grant.ExpiresAt < cutoff)
            {
                _codes.TryRemove(key, out _);
            }
        }

        foreach (var tokens in new[] { _accessTokens, _refreshTokens })
        {
            foreach (var (key, grant) in tokens)
            {
                if (grant.ExpiresAt < cutoff)
                {
                    tokens.TryRemove(key, out _);
                }
            }
        }
    }

    private static string NewSecret(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}

internal sealed class CodeGrant(string appId, string openId, string scope, DateTimeOffset expiresAt, bool snapshot = false, string? virtualUnionId = null)
{
    public string AppId { get; } = appId;
    public string OpenId { get; } = openId;
    public string Scope { get; } = scope;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>Issued in 快照页模式: <see cref="OpenId"/> is a virtual user's.</summary>
    public bool IsSnapshot { get; } = snapshot;

    /// <summary>The virtual user's unionid (snapshot mode, when the real user has one).</summary>
    public string? SnapshotUnionId { get; } = virtualUnionId;

    /// <summary>Set once, under the store's lock.</summary>
    public bool Used { get; set; }
}

internal sealed record TokenGrant(string AppId, string OpenId, string Scope, DateTimeOffset ExpiresAt, bool Snapshot = false, string? VirtualUnionId = null);

internal enum CodeOutcome { Redeemed, Unknown, Expired, AlreadyUsed }

internal sealed record CodeRedemption(CodeOutcome Outcome, CodeGrant? Grant);

internal enum TokenOutcome { Valid, Unknown, Expired }

internal sealed record TokenCheck(TokenOutcome Outcome, TokenGrant? Grant);
