using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>
/// What each test user's chat with the official account looks like: follow state, the customer-service quota their
/// interactions opened, what they received.
/// </summary>
internal sealed class Conversations(TimeProvider time, IOptions<SimulatorOptions> options)
{
    private readonly ConcurrentDictionary<string, Conversation> _byOpenId = new(StringComparer.Ordinal);

    /// <summary>The user's conversation; a user nobody has talked to yet follows the account and has received nothing.</summary>
    public Conversation For(string openId) =>
        _byOpenId.GetOrAdd(openId, static (_, state) => new Conversation(state.time, state.Value), (time, options.Value));
}

/// <summary>What the user did that lets the account answer through message/custom/send.</summary>
internal enum Interaction
{
    /// <summary>The user sent a message.</summary>
    Message,

    /// <summary>A menu click of type click, scancode_push or scancode_waitmsg (view buttons open no quota).</summary>
    Click,

    /// <summary>The user followed the account.</summary>
    Follow,

    /// <summary>The user scanned one of the account's QR codes.</summary>
    Scan,
}

/// <summary>One customer-service quota: <see cref="Allowed"/> sends until <see cref="Until"/>.</summary>
/// <param name="Kind"><c>message</c>, <c>click</c>, <c>follow</c> or <c>scan</c>.</param>
internal sealed record ServiceGrant(string Kind, DateTimeOffset OpenedAt, DateTimeOffset Until, int Allowed, int Used);

/// <summary>How a message reached the user.</summary>
internal static class Via
{
    public const string Passive = "passive";
    public const string CustomerService = "customer_service";
    public const string Template = "template";
    public const string None = "none";

    /// <summary>WeChat's own system notice in the chat (the account failed to answer properly).</summary>
    public const string Error = "error";
}

/// <summary>One thing the user saw in the chat.</summary>
/// <param name="Via"><c>passive</c>, <c>customer_service</c>, <c>template</c> or <c>error</c> (WeChat's 「该公众号暂时无法提供服务」 notice).</param>
/// <param name="MsgType">text, news, image, … (<c>text</c> for an error notice).</param>
/// <param name="Text">What the user reads: the text, the news titles (one per line), 「[图片]」, the rendered template, …</param>
/// <param name="At">When it arrived.</param>
/// <param name="Raw">The reply XML (decrypted) or the customer-service / template JSON; for an error, the offending answer.</param>
internal sealed record ReceivedMessage(
    string Via,
    string MsgType,
    string Text,
    DateTimeOffset At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Raw)
{
    /// <summary>A template message's link (what tapping it opens).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; init; }

    /// <summary>A template message's template_id.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TemplateId { get; init; }

    /// <summary>A template message's msgid, as answered by message/template/send.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MsgId { get; init; }
}

/// <summary>One user's side of the chat. Thread-safe.</summary>
internal sealed class Conversation(TimeProvider time, SimulatorOptions settings)
{
    /// <summary>Customer-service messages a user message allows (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html).</summary>
    public const int MessageGrantSends = 5;

    /// <summary>Customer-service messages a click, follow or scan allows (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html).</summary>
    public const int EventGrantSends = 3;

    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _received = [];
    private readonly HashSet<int> _claimed = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _following = true;
    private DateTimeOffset? _lastInteraction;

    // Note: at most one quota of each kind: a new message replaces the previous message's quota (the count starts
    // again, it does not add up), a new click/follow/scan the previous event quota.
    private MutableGrant? _messageGrant;
    private MutableGrant? _eventGrant;

    /// <summary>Test users start as followers; <c>unsubscribe</c> / <c>subscribe</c> change it.</summary>
    public bool Following
    {
        get
        {
            lock (_gate)
            {
                return _following;
            }
        }
    }

    public DateTimeOffset? LastInteraction
    {
        get
        {
            lock (_gate)
            {
                return _lastInteraction;
            }
        }
    }

    /// <summary>The user did something that opens a customer-service quota (message, click, follow, scan).</summary>
    public void Interacted(Interaction kind, DateTimeOffset at, bool? following = null)
    {
        lock (_gate)
        {
            _lastInteraction = at;
            _following = following ?? _following;
            if (kind == Interaction.Message)
            {
                // Rule: a user message allows 5 customer-service messages within 48 h, each message starting the count afresh (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html; reset: https://developers.weixin.qq.com/community/develop/doc/00068406b70700c8b4db651fd5ac00).
                _messageGrant = new MutableGrant(kind, at, at + settings.ServiceWindow, MessageGrantSends);
                _eventGrant = settings.CustomerServiceGrantOverlap == GrantOverlap.LatestReplaces ? null : _eventGrant;
            }
            else
            {
                // Rule: a click/scancode menu event, a follow or a QR scan allows 3 within 1 minute and opens no 48 h quota (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html).
                _eventGrant = new MutableGrant(kind, at, at + settings.EventServiceWindow, EventGrantSends);
                _messageGrant = settings.CustomerServiceGrantOverlap == GrantOverlap.LatestReplaces ? null : _messageGrant;
            }
        }
    }

    /// <summary>
    /// Takes one customer-service send from the open quotas: 0 when allowed, 45015 when no quota is open (none, or all
    /// past their time), 45047 when the open ones are used up.
    /// </summary>
    public int TrySpendCustomerService(DateTimeOffset now)
    {
        lock (_gate)
        {
            // Note: the quota closing first is used first, so a click's 3 do not eat into a message's 5.
            var open = new[] { _messageGrant, _eventGrant }.Where(g => g is not null && now <= g.Until).OrderBy(g => g!.Until).ToList();
            if (open.Count == 0)
            {
                // Rule: outside every quota's time custom/send answers 45015 (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html).
                return WeixinErrors.OutOfTimeLimit;
            }

            if (open.FirstOrDefault(g => g!.Used < g.Allowed) is not { } grant)
            {
                // Rule: a quota's sends used up answers 45047 until the user interacts again (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html).
                return WeixinErrors.OutOfResponseCountLimit;
            }

            grant.Used++;
            return 0;
        }
    }

    /// <summary>The quotas opened by the user's latest interactions (expired ones included), message quota first.</summary>
    public IReadOnlyList<ServiceGrant> Grants()
    {
        lock (_gate)
        {
            return new[] { _messageGrant, _eventGrant }.Where(g => g is not null).Select(g => g!.Snapshot()).ToList();
        }
    }

    /// <summary>Follows or unfollows without an event (the control API).</summary>
    public void SetFollowing(bool following)
    {
        lock (_gate)
        {
            _following = following;
        }
    }

    public void Unfollow()
    {
        lock (_gate)
        {
            _following = false;
        }
    }

    /// <summary>Where the list ends now; messages appended later have an index at or after it.</summary>
    public int Mark()
    {
        lock (_gate)
        {
            return _received.Count;
        }
    }

    public IReadOnlyList<ReceivedMessage> Received()
    {
        lock (_gate)
        {
            return [.. _received];
        }
    }

    public void Receive(ReceivedMessage message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _received.Add(message);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// Waits for a customer-service message appended at or after <paramref name="since"/> that no other waiter took.
    /// </summary>
    /// <remarks>
    /// Note: a customer-service message names no request, so each one is handed to one waiter only; when one user
    /// has several messages in flight each still gets its own answer, even if not necessarily the matching one.
    /// </remarks>
    public async Task<ReceivedMessage?> WaitForCustomerServiceAsync(int since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = since; i < _received.Count; i++)
                {
                    if (_received[i].Via == Via.CustomerService && _claimed.Add(i))
                    {
                        return _received[i];
                    }
                }

                changed = _changed.Task;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(changed, Task.Delay(remaining, time, stopDelay.Token));
            await stopDelay.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private sealed class MutableGrant(Interaction kind, DateTimeOffset openedAt, DateTimeOffset until, int allowed)
    {
        public DateTimeOffset Until { get; } = until;

        public int Allowed { get; } = allowed;

        public int Used { get; set; }

        public ServiceGrant Snapshot() => new(kind.ToString().ToLowerInvariant(), openedAt, Until, Allowed, Used);
    }
}
