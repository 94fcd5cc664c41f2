using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>How the push outbox delivers messages to WeChat (section <c>Push</c>).</summary>
public sealed class PushOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Push";

    /// <summary>
    /// Whether this instance runs the delivery job. Default true. The messages API answers either way, so a
    /// gateway-only instance can queue messages that other instances deliver.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the delivery job looks for due messages. Default 00:00:01.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one run of the job keeps claiming batches before handing back to the scheduler. Default 00:00:10.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages claimed at once, 1–500. Default 50.</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Messages sent at once by one instance, 1–64. Default 8.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// How long a claim holds a message against other instances; renewed before each call to WeChat, so it must
    /// outlast one call (10 s timeout). Default 00:00:30; at least 00:00:15.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:15", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Attempts before a message that keeps failing transiently (network, HTTP 5xx, errcode -1, quota 45009) becomes a
    /// dead letter (<c>dead</c>, re-sendable). Default 8.
    /// </summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first transient failure; it doubles after each further one. Default 00:00:05.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts. Default 00:10:00.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most attempts started in any 60 seconds, counted in the database, so the limit holds for all instances
    /// together. Default 600 (10 a second), well under WeChat's per-minute frequency limits; set it below the
    /// account's quota.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPerMinute { get; set; } = 600;

    /// <summary>
    /// How long this instance stops sending after WeChat answered 40164 (this host's egress IP is not on the
    /// account's IP whitelist): retrying sooner cannot succeed and only repeats the refusal. Default 00:05:00.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IpBlockedPause { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Name of this instance on its claims. Default machine name + "-" + process id.</summary>
    [Required, MaxLength(100)]
    public string InstanceId { get; set; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryDelay > MaxRetryDelay)
        {
            yield return new ValidationResult("不能长于 Push:MaxRetryDelay / Push:RetryDelay must not be longer than Push:MaxRetryDelay.", [nameof(RetryDelay), nameof(MaxRetryDelay)]);
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th transient failure: RetryDelay doubled per attempt, capped.</summary>
    public TimeSpan BackoffAfter(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}
