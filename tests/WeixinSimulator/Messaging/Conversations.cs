using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>What each test user's chat with the official account looks like: follow state, last interaction, what they received.</summary>
internal sealed class Conversations(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Conversation> _byOpenId = new(StringComparer.Ordinal);

    /// <summary>The user's conversation; a user nobody has talked to yet follows the account and has received nothing.</summary>
    public Conversation For(string openId) => _byOpenId.GetOrAdd(openId, static (_, t) => new Conversation(t), time);
}

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
internal sealed class Conversation(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _received = [];
    private readonly HashSet<int> _claimed = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _following = true;
    private DateTimeOffset? _lastInteraction;

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

    /// <summary>The user did something that opens the 48 h customer-service window (message, click, subscribe).</summary>
    public void Interacted(DateTimeOffset at, bool? following = null)
    {
        lock (_gate)
        {
            _lastInteraction = at;
            _following = following ?? _following;
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
}
