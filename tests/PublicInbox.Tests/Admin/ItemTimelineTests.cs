using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>The timeline reads the English details other code stores back in Chinese, with China times.</summary>
public class ItemTimelineTests
{
    [Theory]
    [InlineData(InboxEventTypes.Received, "OAuth callback with code", "微信网页授权回调，带授权码")]
    [InlineData(InboxEventTypes.Received, "message callback (safe mode)", "消息回调（安全模式，正文是密文）")]
    [InlineData(InboxEventTypes.Received, "event callback (plaintext)", "事件回调（明文模式）")]
    [InlineData(InboxEventTypes.Claimed, "lease until 2026-12-01T21:30:05.1234567Z", "租约到 2026-12-02 05:30:05.123（北京时间）")]
    [InlineData(InboxEventTypes.Claimed, "lease until 2026-12-01T21:30:35.0000000Z; extended at 2026-12-01T21:30:05.0000000Z", "租约到 2026-12-02 05:30:35.000（北京时间；2026-12-02 05:30:05.000 续租）")]
    [InlineData(InboxEventTypes.Expired, "back in the queue at the deadline after 2 attempt(s); not claimed again in time", "截止时间到时在队列中等待重试，没有再被领取（已尝试 2 次）")]
    [InlineData(InboxEventTypes.Expired, "still leased at the deadline after 3 attempt(s)", "截止时间到时仍在处理中（已尝试 3 次）")]
    [InlineData(InboxEventTypes.PassiveWindowClosed, "no reply within 4.5 s; answered success", "4.5 秒内没有等到回复，已答复 success")]
    [InlineData(InboxEventTypes.Requeued, "re-queued by admin ops; new deadline 2026-12-01T16:00:00.0000000Z", "管理员 ops 把它放回队列；新的截止时间 2026-12-02 00:00:00.000（北京时间）")]
    [InlineData(InboxEventTypes.PayloadPurged, "payload removed after 30 days", "保存满 30 天，请求内容已清除，只保留元数据")]
    [InlineData(InboxEventTypes.Failed, MessageFailReasons.Unopenable, "内网轮询器无法打开这条消息（签名、解密或发送者不符；原因只记在内网日志里）")]
    [InlineData(InboxEventTypes.Failed, MessageFailReasons.PlaintextRefused, "内网轮询器拒绝明文消息：要求安全模式（请在公众号后台把消息加解密方式设为「安全模式」）")]
    [InlineData(InboxEventTypes.Failed, MessageFailReasons.NoKey, "安全模式消息，但内网轮询器没有配置 Weixin:EncodingAESKey")]
    public void Describe_AKnownSentence_IsChineseWithNothingLeftOver(string type, string stored, string chinese)
    {
        var entry = ItemTimeline.Describe(Event(type, stored));

        Assert.Equal(chinese, entry.Text);
        Assert.Null(entry.Stored);
    }

    [Fact]
    public void Describe_AFailure_KeepsTheErrorAsWritten()
    {
        var entry = ItemTimeline.Describe(Event(InboxEventTypes.Failed, "CRM hook answered 500", actor: "poller-lan-01"));

        Assert.Equal("处理失败", entry.Title);
        Assert.Equal("CRM hook answered 500", entry.Stored);
        Assert.Equal("轮询器 poller-lan-01", entry.Actor);
        Assert.Equal("bad", entry.Css);
    }

    [Fact]
    public void Describe_ASentenceItDoesNotKnow_ShowsItWithChinaTimesAndMaskedTickets()
    {
        var entry = ItemTimeline.Describe(Event("lease_extended", "extended to 2026-12-01T21:30:05Z, see https://app/done?ticket=SECRET123"));

        Assert.Null(entry.Text);
        Assert.Equal("extended to 2026-12-02 05:30:05（北京时间）, see https://app/done?ticket=SECR****", entry.Stored);
        Assert.Equal("2026-12-02 05:30:00.000", entry.At);
    }

    private static InboxItemEvent Event(string type, string detail, string? actor = null) =>
        new() { ItemId = 1, At = new DateTime(2026, 12, 1, 21, 30, 0, DateTimeKind.Utc), Type = type, Actor = actor, Detail = detail };
}
