namespace Weixin.Inbox.WeixinSimulator.Control;

/// <summary>
/// Makes the next n sns/oauth2/access_token calls fail or stall, the next n message/template/send calls fail, and the
/// next n cgi-bin/token and cgi-bin/stable_token calls fail (e.g. 40164, the caller's IP not whitelisted), to play
/// "WeChat is down".
/// </summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private AccessTokenFault? _pending;
    private TemplateFault? _template;
    private ApiTokenFault? _apiToken;

    public ApiTokenFault? CurrentApiToken
    {
        get
        {
            lock (_gate)
            {
                return _apiToken;
            }
        }
    }

    public void SetApiToken(ApiTokenFault? fault)
    {
        lock (_gate)
        {
            _apiToken = fault is { Count: > 0 } ? fault : null;
        }
    }

    /// <summary>Takes one use of the pending cgi-bin/token fault, if any: the errcode to answer.</summary>
    public int? TryTakeApiTokenFault()
    {
        lock (_gate)
        {
            if (_apiToken is not { } pending)
            {
                return null;
            }

            _apiToken = pending.Count > 1 ? pending with { Count = pending.Count - 1 } : null;
            return pending.ApiTokenErrcode;
        }
    }

    public TemplateFault? CurrentTemplate
    {
        get
        {
            lock (_gate)
            {
                return _template;
            }
        }
    }

    public void SetTemplate(TemplateFault? fault)
    {
        lock (_gate)
        {
            _template = fault is { Count: > 0 } ? fault : null;
        }
    }

    /// <summary>Takes one use of the pending template fault, if any: the errcode to answer.</summary>
    public int? TryTakeTemplateFault()
    {
        lock (_gate)
        {
            if (_template is not { } pending)
            {
                return null;
            }

            _template = pending.Count > 1 ? pending with { Count = pending.Count - 1 } : null;
            return pending.TemplateErrcode;
        }
    }

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

/// <param name="TemplateErrcode">The errcode message/template/send answers.</param>
/// <param name="Count">How many calls are still affected.</param>
internal sealed record TemplateFault(int TemplateErrcode, int Count);

/// <param name="ApiTokenErrcode">The errcode cgi-bin/token and cgi-bin/stable_token answer.</param>
/// <param name="Count">How many calls are still affected.</param>
internal sealed record ApiTokenFault(int ApiTokenErrcode, int Count);
