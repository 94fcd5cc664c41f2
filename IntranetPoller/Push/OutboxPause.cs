namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// This instance's "stop sending until …" after WeChat refused its egress IP (40164): until an operator adds the IP to
/// the account's whitelist every call fails the same way, so retrying each second would only repeat the refusal.
/// </summary>
/// <remarks>Note: kept in memory: each instance learns it from its own first refusal (one call per pause period each),
/// and a restart after fixing the whitelist sends at once.</remarks>
public sealed class OutboxPause(TimeProvider time)
{
    private long _untilTicks;

    /// <summary>When sending may resume, or null when not paused.</summary>
    public DateTimeOffset? Until
    {
        get
        {
            var until = new DateTimeOffset(Interlocked.Read(ref _untilTicks), TimeSpan.Zero);
            return until > time.GetUtcNow() ? until : null;
        }
    }

    /// <summary>Pauses sending for <paramref name="duration"/> from now.</summary>
    public DateTimeOffset PauseFor(TimeSpan duration)
    {
        var until = time.GetUtcNow() + duration;
        Interlocked.Exchange(ref _untilTicks, until.UtcTicks);
        return until;
    }
}
