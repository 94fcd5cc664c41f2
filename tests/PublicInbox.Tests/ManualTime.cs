namespace Weixin.Inbox.PublicInbox.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTime utcNow) : TimeProvider
{
    public DateTime UtcNow { get; set; } = utcNow;

    public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(UtcNow, DateTimeKind.Utc));
}
