using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.RateLimits;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>Settings of the refused-callback limit of <c>/wx/oauth/callback</c> (section <c>Inbox:RefusedCallbackLimit</c>).</summary>
public sealed class RefusedCallbackLimitOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Inbox:RefusedCallbackLimit";

    /// <summary>Refused callbacks (unannounced, used or expired state, bad parameters) one address may cause per window. Default 20.</summary>
    [Range(1, 100_000)]
    public int PermitLimit { get; set; } = 20;

    /// <summary>The window; once an address used its permits, its refused callbacks are answered 429 until the window ends. Default 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Counts the callbacks <c>/wx/oauth/callback</c> refuses, per client address (as resolved through <c>Inbox:TrustedProxies</c>),
/// with ASP.NET Core's fixed-window rate limiter. Only refusals take a permit: a callback with an announced state is
/// stored whatever its address's count, so one bad actor behind an office's NAT cannot lock the office out.
/// In memory, per instance: behind a load balancer each instance counts on its own (an address may cause up to
/// PermitLimit refusals per instance and window), which is enough to make a flood cheap and visible.
/// </summary>
public sealed class RefusedCallbackLimiter : IDisposable
{
    /// <summary>
    /// Addresses are counted in this many buckets (chosen by a string hash whose seed is random per process), so memory stays bounded under a
    /// flood of distinct addresses. Two addresses sharing a bucket share a count; that only turns a refusal's 400 into
    /// a 429 (valid callbacks never take a permit), never blocks a login.
    /// </summary>
    public const int Buckets = 16_384;

    private readonly PartitionedRateLimiter<int> _limiter;

    public RefusedCallbackLimiter(IOptions<RefusedCallbackLimitOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<int, int>(bucket => RateLimitPartition.GetFixedWindowLimiter(bucket, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.PermitLimit,
            Window = settings.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Counts one refusal of <paramref name="client"/>; null when it is within the limit, else how long the address must wait.</summary>
    public TimeSpan? Refused(IPAddress? client)
    {
        using var lease = _limiter.AttemptAcquire(Bucket(client));
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <summary>
    /// The bucket of an address, counted as every per-address limit counts it (<see cref="ClientAddress.Key(IPAddress?)"/>:
    /// IPv4 as is, IPv6 by its /64). String hashes are seeded randomly per process, so nobody can aim at a bucket.
    /// </summary>
    private static int Bucket(IPAddress? client) =>
        (int)((uint)StringComparer.Ordinal.GetHashCode(ClientAddress.Key(client)) % Buckets);

    public void Dispose() => _limiter.Dispose();
}
