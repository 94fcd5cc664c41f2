using Refit;

namespace Weixin.Inbox.IntranetPoller.Inbox;

/// <summary>
/// Remembers whether the inbox answered the last claim, so an outage is logged once when it starts and once
/// when it ends instead of every second.
/// </summary>
public sealed class InboxReachability(TimeProvider time, ILogger<InboxReachability> logger)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _unreachableSince;

    /// <summary>Since when the inbox has not answered; null while it answers.</summary>
    public DateTimeOffset? UnreachableSince
    {
        get
        {
            lock (_lock)
            {
                return _unreachableSince;
            }
        }
    }

    /// <summary>Records a successful call.</summary>
    public void Reachable()
    {
        lock (_lock)
        {
            if (_unreachableSince is { } since)
            {
                logger.LogWarning("Inbox reachable again after {Downtime}", time.GetUtcNow() - since);
                _unreachableSince = null;
            }
        }
    }

    /// <summary>Records a failed call.</summary>
    public void Unreachable(string reason)
    {
        lock (_lock)
        {
            if (_unreachableSince is null)
            {
                _unreachableSince = time.GetUtcNow();
                logger.LogWarning("Inbox unreachable since {Since:u}: {Reason}", _unreachableSince, reason);
            }
            else
            {
                logger.LogDebug("Inbox still unreachable: {Reason}", reason);
            }
        }
    }

    /// <summary>Why a call to the inbox failed, in a few words (no bodies: they may carry a ticket or a reply).</summary>
    public static string Describe(Exception ex) => ex switch
    {
        ApiException api => $"HTTP {(int)api.StatusCode} {api.ReasonPhrase}",
        HttpRequestException http => $"{http.HttpRequestError}: {http.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
