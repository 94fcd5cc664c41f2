using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>
/// The account's message templates, the per-minute quota of message/template/send and WeChat's
/// <c>client_msg_id</c> deduplication (same openid and client_msg_id within 10 minutes: same msgid, no second delivery).
/// </summary>
internal sealed partial class TemplateMessages(IOptions<SimulatorOptions> options, TimeProvider time)
{
    /// <summary>How long WeChat remembers a (openid, client_msg_id) pair.</summary>
    public static readonly TimeSpan DedupWindow = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan QuotaWindow = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<MessageTemplate> _templates =
        options.Value.Templates.Count > 0 ? [.. options.Value.Templates] : SimulatorOptions.DefaultTemplates;

    private readonly int _quotaPerMinute = options.Value.TemplateQuotaPerMinute;
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _recentCalls = new();
    private readonly Dictionary<(string OpenId, string ClientMsgId), (long MsgId, DateTimeOffset At)> _sent = [];

    public IReadOnlyList<MessageTemplate> Templates => _templates;

    public int QuotaPerMinute => _quotaPerMinute;

    public MessageTemplate? Find(string? templateId) =>
        string.IsNullOrEmpty(templateId) ? null : _templates.FirstOrDefault(t => string.Equals(t.Id, templateId, StringComparison.Ordinal));

    /// <summary>The data keys the template's content names (<c>{{key.DATA}}</c>), in order of appearance.</summary>
    public static IReadOnlyList<string> Keys(MessageTemplate template) =>
        [.. Placeholder().Matches(template.Content).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>The content with every placeholder replaced by its value.</summary>
    public static string Render(MessageTemplate template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template.Content, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : "");

    /// <summary>Counts one call against the per-minute quota; false when the quota is used up (the call is not counted).</summary>
    public bool TryConsumeQuota()
    {
        if (_quotaPerMinute <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            var now = time.GetUtcNow();
            while (_recentCalls.TryPeek(out var at) && now - at >= QuotaWindow)
            {
                _recentCalls.Dequeue();
            }

            if (_recentCalls.Count >= _quotaPerMinute)
            {
                return false;
            }

            _recentCalls.Enqueue(now);
            return true;
        }
    }

    /// <summary>
    /// Delivers through <paramref name="deliver"/> with a new msgid, unless the same openid and client_msg_id were
    /// accepted within <see cref="DedupWindow"/>: then the earlier msgid and no delivery.
    /// </summary>
    public (long MsgId, bool Duplicate) Send(string openId, string? clientMsgId, Action<long> deliver)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _sent.Where(e => now - e.Value.At >= DedupWindow).Select(e => e.Key).ToArray())
            {
                _sent.Remove(stale);
            }

            if (!string.IsNullOrEmpty(clientMsgId) && _sent.TryGetValue((openId, clientMsgId), out var earlier))
            {
                return (earlier.MsgId, true);
            }

            var msgId = NewMsgId();
            deliver(msgId);
            if (!string.IsNullOrEmpty(clientMsgId))
            {
                _sent[(openId, clientMsgId)] = (msgId, now);
            }

            return (msgId, false);
        }
    }

    /// <summary>A random positive id below 2^53 (safe in JavaScript too), 10 digits or more.</summary>
    private static long NewMsgId() =>
        (long)(BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) % 9_000_000_000_000_000UL) + 1_000_000_000L;

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
