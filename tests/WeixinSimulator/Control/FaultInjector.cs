namespace Weixin.Inbox.WeixinSimulator.Control;

/// <summary>
/// Makes the next n sns/oauth2/access_token calls fail or stall, the next n message/template/send calls fail, and the
/// next n cgi-bin/token and cgi-bin/stable_token calls fail (e.g. 40164, the caller's IP not whitelisted), to play
/// "WeChat is down".
/// </summary>
internal sealed class FaultInjector
{
    /// <summary>sns/oauth2/access_token (the OAuth code exchange).</summary>
    public FaultSlot<AccessTokenFault> OAuthToken { get; } = new();

    /// <summary>message/template/send.</summary>
    public FaultSlot<TemplateFault> Template { get; } = new();

    /// <summary>cgi-bin/token and cgi-bin/stable_token.</summary>
    public FaultSlot<ApiTokenFault> ApiToken { get; } = new();

    /// <summary>Clears every pending fault.</summary>
    public void Clear()
    {
        OAuthToken.Set(null);
        Template.Set(null);
        ApiToken.Set(null);
    }
}

/// <summary>A fault that affects the next <see cref="Count"/> calls.</summary>
internal interface ICountedFault<TSelf>
{
    int Count { get; }

    TSelf WithCount(int count);
}

/// <summary>One pending fault, used up one call at a time (thread-safe).</summary>
internal sealed class FaultSlot<TFault>
    where TFault : class, ICountedFault<TFault>
{
    private readonly Lock _gate = new();
    private TFault? _pending;

    public TFault? Current
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    public void Set(TFault? fault)
    {
        lock (_gate)
        {
            _pending = fault is { Count: > 0 } ? fault : null;
        }
    }

    /// <summary>Takes one use of the pending fault, if any.</summary>
    public TFault? TryTake()
    {
        lock (_gate)
        {
            if (_pending is not { } pending)
            {
                return null;
            }

            _pending = pending.Count > 1 ? pending.WithCount(pending.Count - 1) : null;
            return pending;
        }
    }
}

/// <param name="AccessTokenErrcode">The errcode to answer (0: answer normally, after the delay).</param>
/// <param name="Count">How many calls are still affected.</param>
/// <param name="DelayMs">How long each affected call waits before answering.</param>
internal sealed record AccessTokenFault(int AccessTokenErrcode, int Count, int DelayMs) : ICountedFault<AccessTokenFault>
{
    public AccessTokenFault WithCount(int count) => this with { Count = count };
}

/// <param name="TemplateErrcode">The errcode message/template/send answers.</param>
/// <param name="Count">How many calls are still affected.</param>
internal sealed record TemplateFault(int TemplateErrcode, int Count) : ICountedFault<TemplateFault>
{
    public TemplateFault WithCount(int count) => this with { Count = count };
}

/// <param name="ApiTokenErrcode">The errcode cgi-bin/token and cgi-bin/stable_token answer.</param>
/// <param name="Count">How many calls are still affected.</param>
internal sealed record ApiTokenFault(int ApiTokenErrcode, int Count) : ICountedFault<ApiTokenFault>
{
    public ApiTokenFault WithCount(int count) => this with { Count = count };
}
