using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.WeixinSimulator.Control;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>
/// Plays WeChat's side of one user message: posts it to the account's callback URL, signed (and encrypted) as
/// WeChat does, retries like WeChat, shows the user the passive reply or WeChat's error notice, and waits for a
/// customer-service message when no passive reply came.
/// </summary>
internal sealed class MessageDelivery(
    IOptions<SimulatorOptions> options,
    IHttpClientFactory httpClients,
    Conversations conversations,
    SimulatorStats stats,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<MessageDelivery> logger)
{
    public const string HttpClientName = "WeixinCallback";

    // Note: WeChat reads at most a small reply; a runaway body must not fill the simulator's memory.
    private const int MaxReplyBytes = 1024 * 1024;

    private readonly SimulatorOptions _options = options.Value;
    private readonly Lazy<WeixinMessageCrypto> _crypto = new(() => new WeixinMessageCrypto(options.Value.EncodingAESKey, options.Value.AppId));

    /// <summary>False when <see cref="SimulatorOptions.CallbackUrl"/> is empty.</summary>
    public bool Enabled => !string.IsNullOrEmpty(_options.CallbackUrl);

    public async Task<SendMessageResponse> SendAsync(string openId, UserAction action, CallbackMode mode, string? content, string? eventKey, string? ticket = null)
    {
        var clock = Stopwatch.StartNew();
        var cancellation = lifetime.ApplicationStopping;
        var conversation = conversations.For(openId);
        var mark = conversation.Mark();
        var now = time.GetUtcNow();
        switch (action)
        {
            case UserAction.Subscribe:
                conversation.Interacted(Interaction.Follow, now, following: true);
                break;
            case UserAction.Unsubscribe:
                conversation.Unfollow();
                break;
            case UserAction.Click:
                conversation.Interacted(Interaction.Click, now);
                break;
            case UserAction.Scan:
                conversation.Interacted(Interaction.Scan, now);
                break;
            default:
                conversation.Interacted(Interaction.Message, now);
                break;
        }

        var message = UserMessage.Build(action, _options.OriginalId, openId, now.ToUnixTimeSeconds(), content, eventKey, ticket);
        var encrypt = mode == CallbackMode.Plain ? null : _crypto.Value.Encrypt(message.Xml);
        var body = Encoding.UTF8.GetBytes(message.Body(mode, _options.OriginalId, encrypt));
        stats.MessageSent();

        var errors = new List<string>();
        string? answer = null;
        var attempts = 0;
        while (answer is null && attempts < _options.CallbackAttempts && !cancellation.IsCancellationRequested)
        {
            attempts++;
            stats.CallbackAttempt();
            var (reply, problem) = await PostOnceAsync(openId, mode, body, encrypt, cancellation);
            answer = reply;
            if (problem is not null)
            {
                errors.Add($"attempt {attempts}: {problem}");
                logger.LogWarning("Callback attempt {Attempt} for {OpenId} ({Action}, {Mode}) failed: {Problem}", attempts, openId, action, mode, problem);
            }
        }

        var showsNothing = action == UserAction.Unsubscribe; // WeChat shows nothing to someone who just left
        var passive = answer is null ? null : PassiveReply.Read(answer, mode, new ReplyContext(_options.Token, _crypto.Value, openId, _options.OriginalId));
        if (answer is null)
        {
            errors.Add(showsNothing
                ? $"no usable answer after {attempts} attempt(s)"
                : $"no usable answer after {attempts} attempt(s); WeChat shows 「{PassiveReply.ServiceUnavailableNotice}」");
            if (!showsNothing)
            {
                conversation.Receive(new ReceivedMessage(Via.Error, "text", PassiveReply.ServiceUnavailableNotice, time.GetUtcNow(), null));
            }
        }
        else if (passive!.Problem is { } refused)
        {
            errors.Add(showsNothing
                ? $"passive reply refused ({refused})"
                : $"passive reply refused ({refused}); WeChat shows 「{PassiveReply.ServiceUnavailableNotice}」");
            logger.LogWarning("Passive reply to {OpenId} refused: {Problem}", openId, refused);
            if (!showsNothing)
            {
                conversation.Receive(new ReceivedMessage(Via.Error, "text", PassiveReply.ServiceUnavailableNotice, time.GetUtcNow(), Truncate(answer)));
            }

            return Answer(Via.None, "", attempts, clock, errors, message);
        }
        else if (!passive.IsEmpty)
        {
            if (showsNothing)
            {
                errors.Add("a passive reply to unsubscribe is never shown: the user no longer follows the account");
                return Answer(Via.None, "", attempts, clock, errors, message);
            }

            conversation.Receive(new ReceivedMessage(Via.Passive, passive.MsgType!, passive.Text!, time.GetUtcNow(), passive.Xml));
            return Answer(Via.Passive, passive.Text!, attempts, clock, errors, message);
        }

        if (showsNothing || _options.CustomerServiceWait <= TimeSpan.Zero)
        {
            return Answer(Via.None, "", attempts, clock, errors, message);
        }

        try
        {
            var pushed = await conversation.WaitForCustomerServiceAsync(mark, _options.CustomerServiceWait, cancellation);
            return pushed is null
                ? Answer(Via.None, "", attempts, clock, errors, message)
                : Answer(Via.CustomerService, pushed.Text, attempts, clock, errors, message);
        }
        catch (OperationCanceledException)
        {
            return Answer(Via.None, "", attempts, clock, errors, message);
        }
    }

    /// <summary>One POST; the answer body when WeChat would stop retrying (HTTP 200), else why it would retry.</summary>
    private async Task<(string? Answer, string? Problem)> PostOnceAsync(
        string openId, CallbackMode mode, byte[] body, string? encrypt, CancellationToken stopping)
    {
        // Note: each attempt is signed afresh (new timestamp and nonce); the body, MsgId and CreateTime stay the same.
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var query = new StringBuilder()
            .Append("signature=").Append(WeixinSignature.Compute(_options.Token, timestamp, nonce))
            .Append("&timestamp=").Append(timestamp)
            .Append("&nonce=").Append(nonce)
            .Append("&openid=").Append(Uri.EscapeDataString(openId));
        if (mode != CallbackMode.Plain)
        {
            query.Append("&encrypt_type=aes&msg_signature=").Append(WeixinSignature.Compute(_options.Token, timestamp, nonce, encrypt!));
        }

        var url = _options.CallbackUrl + (_options.CallbackUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml");
        request.Headers.UserAgent.ParseAdd("Mozilla/4.0");

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        attempt.CancelAfter(_options.CallbackTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (null, $"HTTP {(int)response.StatusCode} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
            }

            var answer = await ReadLimitedAsync(response.Content, attempt.Token);
            logger.LogInformation("Callback for {OpenId} ({Mode}) answered 200 with {Bytes} bytes in {Elapsed:0} ms",
                openId, mode, answer.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return (answer, null);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (null, $"no answer within {_options.CallbackTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            return (null, $"connection failed: {ex.Message}");
        }
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxReplyBytes)
            {
                // Note: anything this large cannot be a valid reply; keep the start so the refusal can show it.
                buffer.Write(chunk, 0, read);
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string Truncate(string text) => text.Length <= 4096 ? text : text[..4096] + "…";

    private static SendMessageResponse Answer(string via, string reply, int attempts, Stopwatch clock, List<string> errors, UserMessage message) =>
        new(via, reply, attempts, clock.ElapsedMilliseconds, errors, message.MsgId, message.CreateTime);
}

/// <summary>Answer of <c>POST /sim/users/{openid}/messages</c>.</summary>
/// <param name="Via"><c>passive</c>, <c>customer_service</c> or <c>none</c>.</param>
/// <param name="Reply">The text the user sees ("" for none).</param>
/// <param name="Attempts">How many times the callback was posted (1 to CallbackAttempts).</param>
/// <param name="ElapsedMs">From the user's action to the reply (or to giving up).</param>
/// <param name="Errors">What went wrong on the way (failed attempts, refused replies); empty when all went well.</param>
/// <param name="MsgId">The MsgId of a text message (null for events).</param>
/// <param name="CreateTime">The message's CreateTime (unix seconds), the same in every retry.</param>
internal sealed record SendMessageResponse(
    string Via,
    string Reply,
    int Attempts,
    long ElapsedMs,
    IReadOnlyList<string> Errors,
    string? MsgId,
    long CreateTime);
