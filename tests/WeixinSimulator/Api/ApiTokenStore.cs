using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>
/// The account's API access tokens (cgi-bin/token and cgi-bin/stable_token), which are separate from each other
/// and from the web-authorization tokens, as on WeChat.
/// </summary>
internal sealed class ApiTokenStore(IOptions<SimulatorOptions> options, TimeProvider time)
{
    /// <summary>How long a replaced token keeps working (WeChat: "新老 access_token 在 5 分钟内都可用").</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly SimulatorOptions _settings = options.Value;
    private readonly TimeSpan _lifetime = options.Value.AccessTokenLifetime;
    private readonly Lock _gate = new();
    private readonly QuotaCounter _plainDaily = new();
    private readonly QuotaCounter _stableDaily = new();
    private readonly QuotaCounter _stableMinute = new();
    private readonly QuotaCounter _forcedDaily = new();
    private DateTimeOffset? _lastForcedAt;
    private readonly Dictionary<string, ApiToken> _tokens = new(StringComparer.Ordinal);
    private ApiToken? _latestPlain;
    private ApiToken? _latestStable;

    /// <summary>
    /// cgi-bin/token: always a new token; the previous one keeps working for <see cref="Overlap"/> at most.
    /// 45009 past the daily limit.
    /// </summary>
    public TokenAnswer IssuePlain()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            // Note: 2000 calls a day, then 45009 "reach max api daily quota limit"
            // (https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html).
            if (!_plainDaily.TryTake(Day(now), _settings.TokenDailyLimit))
            {
                return TokenAnswer.Refused(WeixinErrors.ApiQuotaLimit);
            }

            Supersede(_latestPlain, now);
            _latestPlain = New(now);
            return TokenAnswer.Issued(_latestPlain.Value, _lifetime);
        }
    }

    /// <summary>
    /// cgi-bin/stable_token: the same token until it nears expiry (the last 5 minutes, or the last quarter of a
    /// shorter configured lifetime), then a new one while the old lives on; <paramref name="force"/> replaces it now
    /// and the old one stops working at once.
    /// </summary>
    public TokenAnswer IssueStable(bool force)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            // Note: 10000 calls a minute and 500000 a day (45011 / 45009)
            // (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).
            if (!_stableDaily.TryTake(Day(now), _settings.StableTokenDailyLimit))
            {
                return TokenAnswer.Refused(WeixinErrors.ApiQuotaLimit);
            }

            if (!_stableMinute.TryTake(now.ToUnixTimeSeconds() / 60, _settings.StableTokenMinuteLimit))
            {
                return TokenAnswer.Refused(WeixinErrors.ApiMinuteQuotaLimit);
            }

            if (force)
            {
                return ForceRefresh(now);
            }

            var renewWindow = _lifetime / 4 < Overlap ? _lifetime / 4 : Overlap;
            if (_latestStable is { } current && current.ValidUntil - now > renewWindow)
            {
                return TokenAnswer.Issued(current.Value, current.ExpiresAt - now);
            }

            // Note: "普通模式下平台会提前 5 分钟更新 access_token … 新旧 access_token 都可用" (the old one lives on to its end).
            _latestStable = New(now);
            return TokenAnswer.Issued(_latestStable.Value, _lifetime);
        }
    }

    private TokenAnswer ForceRefresh(DateTimeOffset now)
    {
        // Note: "强制刷新模式每天限用 20 次且需间隔 30 秒" (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken);
        // every forced call counts, also one that comes too soon (the doc does not say otherwise; the stricter reading).
        if (!_forcedDaily.TryTake(Day(now), _settings.ForceRefreshDailyLimit))
        {
            return TokenAnswer.Refused(WeixinErrors.ApiQuotaLimit);
        }

        // Note: "请保证调用时间隔至少为 30s，否则不会刷新": too soon answers the current token unchanged
        // (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html).
        if (_lastForcedAt is { } last && now - last < _settings.ForceRefreshInterval
            && _latestStable is { } current && current.ValidUntil > now)
        {
            return TokenAnswer.Issued(current.Value, current.ExpiresAt - now);
        }

        // Note: "强制刷新模式，会导致上次获取的 access_token 失效" — no 5-minute overlap for the replaced token
        // (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).
        if (_latestStable is not null)
        {
            _latestStable.RevokedAt ??= now;
        }

        _lastForcedAt = now;
        _latestStable = New(now);
        return TokenAnswer.Issued(_latestStable.Value, _lifetime);
    }

    // Note: WeChat's daily quotas restart at midnight Beijing time.
    private static long Day(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(8)).DateTime).DayNumber;

    public ApiTokenCheck Check(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return ApiTokenCheck.Missing;
        }

        lock (_gate)
        {
            if (!_tokens.TryGetValue(token, out var grant))
            {
                return ApiTokenCheck.Invalid;
            }

            var now = time.GetUtcNow();
            if (now >= grant.ExpiresAt)
            {
                return ApiTokenCheck.Expired;
            }

            // Note: a superseded token answers 40001 ("invalid credential, access_token is invalid or not latest").
            return now < grant.ValidUntil ? ApiTokenCheck.Valid : ApiTokenCheck.Invalid;
        }
    }

    private static void Supersede(ApiToken? previous, DateTimeOffset now)
    {
        if (previous is not null && previous.SupersededAt is null)
        {
            previous.SupersededAt = now;
        }
    }

    private ApiToken New(DateTimeOffset now)
    {
        Prune(now);
        var token = new ApiToken(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(96)), now + _lifetime);
        _tokens[token.Value] = token;
        return token;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (value, token) in _tokens.Where(t => t.Value.ExpiresAt < now - Retention).ToArray())
        {
            _tokens.Remove(value);
        }
    }

    private sealed class ApiToken(string value, DateTimeOffset expiresAt)
    {
        public string Value { get; } = value;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public DateTimeOffset? SupersededAt { get; set; }

        public DateTimeOffset? RevokedAt { get; set; }

        public DateTimeOffset ValidUntil
        {
            get
            {
                var until = SupersededAt is { } at && at + Overlap < ExpiresAt ? at + Overlap : ExpiresAt;
                return RevokedAt is { } revoked && revoked < until ? revoked : until;
            }
        }
    }

    /// <summary>Calls counted in one window (a day, a minute); a new window starts from zero.</summary>
    private sealed class QuotaCounter
    {
        private long _window = long.MinValue;
        private int _count;

        public bool TryTake(long window, int limit)
        {
            if (window != _window)
            {
                _window = window;
                _count = 0;
            }

            if (_count >= limit)
            {
                return false;
            }

            _count++;
            return true;
        }
    }
}

/// <summary>An issued token, or the errcode WeChat answers instead.</summary>
internal sealed record TokenAnswer(IssuedToken? Token, int Errcode)
{
    public static TokenAnswer Issued(string value, TimeSpan expiresIn) => new(new IssuedToken(value, expiresIn), 0);

    public static TokenAnswer Refused(int errcode) => new(null, errcode);
}

internal sealed record IssuedToken(string AccessToken, TimeSpan ExpiresIn);

internal enum ApiTokenCheck { Valid, Missing, Invalid, Expired }
