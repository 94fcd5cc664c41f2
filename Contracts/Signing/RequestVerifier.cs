using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>Why a signed request was refused.</summary>
public enum SignatureFailure
{
    /// <summary>The request is authentic.</summary>
    None,

    /// <summary>A signing header is missing or malformed.</summary>
    Malformed,

    /// <summary>The timestamp is outside the tolerance.</summary>
    Stale,

    /// <summary>No signature matches any active key.</summary>
    BadSignature,

    /// <summary>The request id was already used within the tolerance window.</summary>
    Replayed,

    /// <summary>The request names no client, or one that is not configured (APIs with per-client keys).</summary>
    UnknownClient,
}

/// <summary>Checks the signature headers of one request against the active keys.</summary>
public sealed class RequestVerifier
{
    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;
    private readonly string? _client;

    /// <summary>Creates a verifier over the given options' keys.</summary>
    public RequestVerifier(SigningOptions options, TimeProvider time)
        : this(options.Keys, options.Tolerance, time)
    {
    }

    /// <summary>
    /// Creates a verifier over <paramref name="keys"/>; with <paramref name="client"/>, for requests that name that
    /// client (the client id is part of what they sign).
    /// </summary>
    public RequestVerifier(IEnumerable<string> keys, TimeSpan tolerance, TimeProvider time, string? client = null)
    {
        _keys = keys.Select(RequestSignature.KeyBytes).ToArray();
        _tolerance = tolerance;
        _time = time;
        _client = client;
    }

    /// <summary>How long a request id must be remembered to refuse replays.</summary>
    public TimeSpan ReplayWindow => _tolerance * 2;

    /// <summary>
    /// Checks what can be checked without the body: the headers are present and well formed, and the timestamp is
    /// within the tolerance. The middleware calls it before reading (and buffering) a body, so a request that cannot
    /// be genuine costs no memory.
    /// </summary>
    public SignatureFailure CheckHeaders(string? id, string? timestamp, string? signatures, out long unix)
    {
        unix = 0;
        // Note: an id holds no '.', so the signed string's segments cannot be shifted (see RequestSignature).
        if (string.IsNullOrEmpty(id) || id.Length > 128 || id.Contains('.') || string.IsNullOrEmpty(signatures) || signatures.Length > 1024
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out unix))
        {
            return SignatureFailure.Malformed;
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unix, 0, 253402300799));
        return age.Duration() > _tolerance ? SignatureFailure.Stale : SignatureFailure.None;
    }

    /// <summary>Verifies headers, freshness and signature (not replay: see <see cref="IReplayGuard"/>).</summary>
    public SignatureFailure Verify(string? id, string? timestamp, string? signatures, string method, string target, ReadOnlySpan<byte> body)
    {
        if (CheckHeaders(id, timestamp, signatures, out var unix) is not SignatureFailure.None and var failure)
        {
            return failure;
        }

        if (id is null || signatures is null)
        {
            return SignatureFailure.Malformed; // Note: CheckHeaders refused these already; this tells the compiler.
        }

        foreach (var key in _keys)
        {
            var expected = Encoding.ASCII.GetBytes(RequestSignature.Version + "," + RequestSignature.Compute(key, _client, id, unix, method, target, body));
            foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                // Note: fixed-time comparison, so response timing does not leak how much of a forged signature matched.
                if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate)))
                {
                    return SignatureFailure.None;
                }
            }
        }

        return SignatureFailure.BadSignature;
    }
}
