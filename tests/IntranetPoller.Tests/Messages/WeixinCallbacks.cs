using System.Globalization;
using System.Security.Cryptography;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>Callbacks as WeChat posts them (and the inbox stores them), in plaintext or safe mode.</summary>
internal static class WeixinCallbacks
{
    private static long _lastItemId = RandomNumberGenerator.GetInt32(1, 1_000_000) * 1000L;

    public static string NewOpenId() => "o_msg_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static long NewMsgId() => RandomNumberGenerator.GetInt32(1, int.MaxValue) * 1000L + RandomNumberGenerator.GetInt32(1000);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static string Text(string openId, string content, long msgId, long? createTime = null) =>
        $"<xml><ToUserName><![CDATA[{MessagesTestHost.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName><CreateTime>{createTime ?? Now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId></xml>";

    public static string Event(string openId, string name, string? key = null, long? createTime = null) =>
        $"<xml><ToUserName><![CDATA[{MessagesTestHost.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName><CreateTime>{createTime ?? Now()}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>"
        + (key is null ? "" : $"<EventKey><![CDATA[{key}]]></EventKey>") + "</xml>";

    public static string Image(string openId, long msgId) =>
        $"<xml><ToUserName><![CDATA[{MessagesTestHost.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName><CreateTime>{Now()}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://example.com/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>{msgId}</MsgId></xml>";

    /// <summary>A plaintext-mode item.</summary>
    public static ClaimedItem Plain(string xml, long? itemId = null) =>
        Item(new MessageCallback(xml, Now().ToString(CultureInfo.InvariantCulture), Nonce(), null, null, null), itemId);

    /// <summary>A safe-mode item: the body is the envelope WeChat posts, signed with <paramref name="token"/>.</summary>
    public static ClaimedItem Safe(string xml, long? itemId = null, string key = MessagesTestHost.EncodingAesKey, string appId = MessagesTestHost.AppId,
        string token = MessagesTestHost.Token, bool compatible = false)
    {
        var encrypt = new WeixinMessageCrypto(key, appId).Encrypt(xml);
        var timestamp = Now().ToString(CultureInfo.InvariantCulture);
        var nonce = Nonce();
        var signature = WeixinSignature.Compute(token, timestamp, nonce, encrypt);
        // Note: compatible mode posts the plaintext fields beside <Encrypt>; safe mode only ToUserName.
        var body = compatible
            ? xml.Replace("</xml>", $"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", StringComparison.Ordinal)
            : $"<xml><ToUserName><![CDATA[{MessagesTestHost.AccountId}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        return Item(new MessageCallback(body, timestamp, nonce, "aes", signature, null), itemId);
    }

    public static ClaimedItem Item(MessageCallback callback, long? itemId = null)
    {
        var id = itemId ?? Interlocked.Increment(ref _lastItemId);
        var kind = callback.Body.Contains("[event]", StringComparison.Ordinal) ? InboxItemKinds.Event : InboxItemKinds.Message;
        return new ClaimedItem(id, kind, "lease-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), DateTimeOffset.UtcNow.AddSeconds(30), 1,
            DateTimeOffset.UtcNow, null, "corr-" + id.ToString(CultureInfo.InvariantCulture), null, callback);
    }

    /// <summary>Opens a safe-mode reply envelope the way WeChat does: checks its signature, decrypts it.</summary>
    public static string OpenSafeReply(string body)
    {
        var fields = WeixinXml.ReadFields(body);
        Assert.True(WeixinSignature.Verify(fields["MsgSignature"], MessagesTestHost.Token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]),
            "the reply's MsgSignature must verify with the Token");
        return new WeixinMessageCrypto(MessagesTestHost.EncodingAesKey, MessagesTestHost.AppId).Decrypt(fields["Encrypt"]);
    }

    private static string Nonce() => RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
}
