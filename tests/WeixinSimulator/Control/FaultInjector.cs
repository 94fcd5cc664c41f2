namespace Weixin.Inbox.WeixinSimulator.Control;

/// <summary>Makes the next n sns/oauth2/access_token calls fail or stall, to play "WeChat is down".</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private AccessTokenFault? _pending;

    public AccessTokenFault? Current
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    public void Set(AccessTokenFault? fault)
    {
        lock (_gate)
        {
            _pending = fault is { Count: > 0 } ? fault : null;
        }
    }

    /// <summary>Takes one use of the pending fault, if any.</summary>
    public bool TryTakeAccessTokenFault(out AccessTokenFault fault)
    {
        lock (_gate)
        {
            if (_pending is not { } pending)
            {
                fault = default!;
                return false;
            }

            fault = pending;
            _pending = pending.Count > 1 ? pending with { Count = pending.Count - 1 } : null;
            return true;
        }
    }
}

/// <param name="AccessTokenErrcode">The errcode to answer (0: answer normally, after the delay).</param>
/// <param name="Count">How many calls are still affected.</param>
/// <param name="DelayMs">How long each affected call waits before answering.</param>
internal sealed record AccessTokenFault(int AccessTokenErrcode, int Count, int DelayMs);
