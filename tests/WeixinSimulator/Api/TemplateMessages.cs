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

    /// <summary>
    /// What the phone shows: the title, then each line of the content with its keywords filled in, except the lines
    /// of <c>first</c> and <c>remark</c>, which WeChat no longer displays (the 2023-05-04 change,
    /// https://developers.weixin.qq.com/community/develop/doc/000a2ae286cdc0f41a8face4c51801).
    /// </summary>
    public static string Render(MessageTemplate template, IReadOnlyDictionary<string, string> values)
    {
        var lines = new List<string> { template.Title };
        foreach (var line in template.Content.Split('\n'))
        {
            var keys = Placeholder().Matches(line).Select(m => m.Groups[1].Value).ToList();
            if (keys.Count > 0 && keys.All(TemplateKeywords.IsHidden))
            {
                continue;
            }

            var shown = Placeholder().Replace(line, m =>
                TemplateKeywords.IsHidden(m.Groups[1].Value) || !values.TryGetValue(m.Groups[1].Value, out var v) ? "" : TemplateKeywords.Shown(m.Groups[1].Value, v));
            if (shown.Trim().Length > 0)
            {
                lines.Add(shown.TrimEnd('\r'));
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// The first key whose value WeChat refuses (47003): missing, or breaking its keyword type; null when all are
    /// acceptable. Rules: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息
    /// </summary>
    public static string? InvalidKey(MessageTemplate template, IReadOnlyDictionary<string, string?> values)
    {
        foreach (var key in Keys(template))
        {
            if (!values.TryGetValue(key, out var value) || value is null)
            {
                // Note: first/remark of a history template are no longer shown, so WeChat no longer needs them.
                if (TemplateKeywords.IsHidden(key))
                {
                    continue;
                }

                return key;
            }

            if (TemplateKeywords.TypeOf(key) is { } type && !TemplateKeywords.IsValid(type, value))
            {
                return key;
            }
        }

        return null;
    }

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
    /// accepted within <see cref="DedupWindow"/>: then the earlier msgid and no delivery (what the caller answers for
    /// such a repeat is <see cref="SimulatorOptions.DuplicateClientMsgId"/>).
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
