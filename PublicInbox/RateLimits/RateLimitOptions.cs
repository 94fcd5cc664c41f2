using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.PublicInbox.RateLimits;

/// <summary>
/// Limits on what browsers may send to the inbox (section <c>RateLimits</c>). Each limit is kept in the memory of one
/// inbox instance: behind a load balancer with N instances an address gets up to N times the permits.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "RateLimits";

    /// <summary>Long-polls of the waiting page (<c>/wx/wait/{id}/status?known=…</c>) per wait cookie.</summary>
    public WaitPerCookieLimit WaitPerCookie { get; set; } = new();

    /// <summary>Sign-in POSTs to <c>/admin/login</c> per client address, over all names.</summary>
    public AdminSignInLimit AdminSignInPerAddress { get; set; } = new();
}

/// <summary><c>RateLimits:WaitPerCookie</c>.</summary>
public sealed class WaitPerCookieLimit
{
    /// <summary>
    /// Long-polls held at the same time for one wait cookie; one more is answered 429 at once. Default 1 (the page
    /// keeps one long-poll open; a second means another tab, or a reload whose old request is still held).
    /// </summary>
    [Range(1, 10)]
    public int PermitLimit { get; set; } = 1;

    /// <summary>
    /// The <c>Retry-After</c> of that 429. Default 2 s: a reloaded page's old long-poll ends as soon as the browser drops
    /// it, at the latest after the hold of 10 s, so the page is never stuck.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary><c>RateLimits:AdminSignInPerAddress</c>: a sliding window over every sign-in POST from one address.</summary>
public sealed class AdminSignInLimit
{
    /// <summary>
    /// Sign-in POSTs (right or wrong, any name) one address may send per <see cref="Window"/>. Default 20: the office's
    /// few admins sign in once per session, a name-spraying script hits the limit at once.
    /// </summary>
    [Range(1, 100_000)]
    public int PermitLimit { get; set; } = 20;

    /// <summary>The sliding window (moving in five steps). Default 15 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}
