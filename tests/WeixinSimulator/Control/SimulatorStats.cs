using System.Collections.Concurrent;

namespace Weixin.Inbox.WeixinSimulator.Control;

/// <summary>How often WeChat was called, so tests can check a login cost exactly one exchange, or a reply one send.</summary>
internal sealed class SimulatorStats
{
    private long _codesIssued;
    private long _codeExchanges;
    private long _refreshCalls;
    private long _userinfoCalls;
    private long _authCalls;
    private long _tokenFetches;
    private long _stableTokenFetches;
    private long _customSends;
    private long _templateSends;
    private long _menuCreates;
    private long _forcedRefreshes;
    private long _messagesSent;
    private long _callbackAttempts;
    private readonly ConcurrentDictionary<int, long> _errors = new();

    public void CodeIssued() => Interlocked.Increment(ref _codesIssued);
    public void CodeExchange() => Interlocked.Increment(ref _codeExchanges);
    public void RefreshCall() => Interlocked.Increment(ref _refreshCalls);
    public void UserinfoCall() => Interlocked.Increment(ref _userinfoCalls);
    public void AuthCall() => Interlocked.Increment(ref _authCalls);
    public void CustomSend() => Interlocked.Increment(ref _customSends);
    public void TemplateSend() => Interlocked.Increment(ref _templateSends);
    public void MenuCreate() => Interlocked.Increment(ref _menuCreates);
    public void ForcedRefresh() => Interlocked.Increment(ref _forcedRefreshes);
    public void MessageSent() => Interlocked.Increment(ref _messagesSent);
    public void CallbackAttempt() => Interlocked.Increment(ref _callbackAttempts);

    public void TokenFetch(bool stable)
    {
        Interlocked.Increment(ref _tokenFetches);
        if (stable)
        {
            Interlocked.Increment(ref _stableTokenFetches);
        }
    }

    public void Error(int errcode) => _errors.AddOrUpdate(errcode, 1, static (_, n) => n + 1);

    public StatsResponse Snapshot() => new(
        Interlocked.Read(ref _codesIssued),
        Interlocked.Read(ref _codeExchanges),
        Interlocked.Read(ref _refreshCalls),
        Interlocked.Read(ref _userinfoCalls),
        Interlocked.Read(ref _authCalls),
        Interlocked.Read(ref _tokenFetches),
        Interlocked.Read(ref _stableTokenFetches),
        Interlocked.Read(ref _customSends),
        Interlocked.Read(ref _messagesSent),
        Interlocked.Read(ref _callbackAttempts),
        Interlocked.Read(ref _templateSends),
        Interlocked.Read(ref _menuCreates),
        new SortedDictionary<int, long>(_errors))
    {
        ForcedRefreshes = Interlocked.Read(ref _forcedRefreshes),
    };
}

/// <param name="CodesIssued">Codes handed out by the authorize endpoints.</param>
/// <param name="CodeExchanges">Calls to sns/oauth2/access_token, successful or not.</param>
/// <param name="RefreshCalls">Calls to sns/oauth2/refresh_token.</param>
/// <param name="UserinfoCalls">Calls to sns/userinfo.</param>
/// <param name="AuthCalls">Calls to sns/auth.</param>
/// <param name="TokenFetches">Calls to cgi-bin/token and cgi-bin/stable_token, successful or not.</param>
/// <param name="StableTokenFetches">Of those, calls to cgi-bin/stable_token.</param>
/// <param name="CustomSends">Calls to message/custom/send, successful or not.</param>
/// <param name="MessagesSent">User messages and events sent through the control API or the chat page.</param>
/// <param name="CallbackAttempts">POSTs to the callback URL, retries included.</param>
/// <param name="TemplateSends">Calls to message/template/send, successful or not (deduplicated resends included).</param>
/// <param name="MenuCreates">Calls to menu/create, successful or not.</param>
/// <param name="Errors">How often each errcode was answered (injected faults included).</param>
internal sealed record StatsResponse(
    long CodesIssued,
    long CodeExchanges,
    long RefreshCalls,
    long UserinfoCalls,
    long AuthCalls,
    long TokenFetches,
    long StableTokenFetches,
    long CustomSends,
    long MessagesSent,
    long CallbackAttempts,
    long TemplateSends,
    long MenuCreates,
    IDictionary<int, long> Errors)
{
    /// <summary>Calls to cgi-bin/stable_token with force_refresh=true and the right credentials (refused ones included).</summary>
    public long ForcedRefreshes { get; init; }
}
