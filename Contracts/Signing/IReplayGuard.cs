namespace Weixin.Inbox.Contracts.Signing;

/// <summary>Remembers request ids for the replay window; shared by every instance (it lives in the database).</summary>
public interface IReplayGuard
{
    /// <summary>Records <paramref name="requestId"/>; returns false when it was already recorded (a replay).</summary>
    Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
