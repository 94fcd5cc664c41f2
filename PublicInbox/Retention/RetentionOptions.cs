using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.PublicInbox.Retention;

/// <summary>Settings of the retention job (section <c>Retention</c>).</summary>
public sealed class RetentionOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Retention";

    /// <summary>Whether the job runs in this instance. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the job runs (the first run one minute after start). Default 1 h.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// After this many days an item's payload (bodies, reply, OAuth code and state, user agent, redirect URL, remote IP,
    /// WeChat's nonce and signatures) is removed; its times, status and timeline stay. Default 30.
    /// </summary>
    [Range(1, 3650)]
    public int PayloadDays { get; set; } = 30;

    /// <summary>After this many days the whole item and its events are deleted. Default 180; at least <see cref="PayloadDays"/>.</summary>
    [Range(1, 3650)]
    public int MetadataDays { get; set; } = 180;

    /// <summary>Rows changed per statement, so a first run over a large backlog never holds long locks. Default 1,000.</summary>
    [Range(10, 50_000)]
    public int BatchSize { get; set; } = 1000;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MetadataDays < PayloadDays)
        {
            yield return new ValidationResult(
                $"不能小于 Retention:PayloadDays（{PayloadDays}） / Retention:MetadataDays ({MetadataDays}) must be at least Retention:PayloadDays ({PayloadDays}): an item cannot lose its metadata before its payload.",
                [nameof(MetadataDays)]);
        }
    }
}
