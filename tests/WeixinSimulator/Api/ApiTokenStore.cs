using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

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

    private readonly TimeSpan _lifetime = options.Value.AccessTokenLifetime;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ApiToken> _tokens = new(StringComparer.Ordinal);
    private ApiToken? _latestPlain;
    private ApiToken? _latestStable;

    /// <summary>cgi-bin/token: always a new token; the previous one keeps working for <see cref="Overlap"/> at most.</summary>
    public IssuedToken IssuePlain()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Supersede(_latestPlain, now);
            _latestPlain = New(now);
            return new IssuedToken(_latestPlain.Value, _lifetime);
        }
    }

    /// <summary>
    /// cgi-bin/stable_token: the same token until it nears expiry (the last 5 minutes, or the last quarter of a
    /// shorter configured lifetime), then a new one while the old lives on; <paramref name="force"/> replaces it now.
    /// </summary>
    public IssuedToken IssueStable(bool force)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var renewWindow = _lifetime / 4 < Overlap ? _lifetime / 4 : Overlap;
            if (!force && _latestStable is { } current && current.ValidUntil - now > renewWindow)
            {
                return new IssuedToken(current.Value, current.ExpiresAt - now);
            }

            if (force)
            {
                Supersede(_latestStable, now);
            }

            _latestStable = New(now);
            return new IssuedToken(_latestStable.Value, _lifetime);
        }
    }

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

        public DateTimeOffset ValidUntil =>
            SupersededAt is { } at && at + Overlap < ExpiresAt ? at + Overlap : ExpiresAt;
    }
}

internal sealed record IssuedToken(string AccessToken, TimeSpan ExpiresIn);

internal enum ApiTokenCheck { Valid, Missing, Invalid, Expired }
