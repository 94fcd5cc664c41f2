using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>What the user does in the chat.</summary>
internal enum UserAction { Text, Click, Subscribe, Unsubscribe, Scan }

/// <summary>The account's message encryption setting (公众平台 → 基本配置 → 消息加解密方式).</summary>
internal enum CallbackMode
{
    /// <summary>明文模式: the plain XML.</summary>
    Plain,

    /// <summary>兼容模式: the plain fields plus <c>&lt;Encrypt&gt;</c>, and <c>encrypt_type=aes&amp;msg_signature</c>.</summary>
    Compat,

    /// <summary>安全模式: only ToUserName and <c>&lt;Encrypt&gt;</c>.</summary>
    Aes,
}

/// <summary>
/// One user message or event exactly as WeChat posts it. Built once: every retry carries the same XML, hence the same
/// MsgId and CreateTime, which is what lets the receiver deduplicate.
/// </summary>
internal sealed record UserMessage(UserAction Action, string Xml, string? MsgId, long CreateTime)
{
    /// <param name="ticket">
    /// The QR code's ticket for a scan: a <c>SCAN</c>, or a <c>subscribe</c> whose <paramref name="eventKey"/> is
    /// <c>qrscene_</c> + the scene; null for every other action.
    /// </param>
    public static UserMessage Build(UserAction action, string originalId, string openId, long createTime, string? content, string? eventKey, string? ticket = null)
    {
        var head = new StringBuilder()
            .Append("<xml><ToUserName>").Append(WeixinXml.CData(originalId)).Append("</ToUserName>\n")
            .Append("<FromUserName>").Append(WeixinXml.CData(openId)).Append("</FromUserName>\n")
            .Append("<CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture)).Append("</CreateTime>\n");

        if (action == UserAction.Text)
        {
            var msgId = NewMsgId();
            head.Append("<MsgType><![CDATA[text]]></MsgType>\n")
                .Append("<Content>").Append(WeixinXml.CData(content ?? "")).Append("</Content>\n")
                .Append("<MsgId>").Append(msgId).Append("</MsgId>\n</xml>");
            return new UserMessage(action, head.ToString(), msgId, createTime);
        }

        var (eventName, key) = action switch
        {
            UserAction.Click => ("CLICK", eventKey ?? ""),
            // Note: a plain follow has an empty EventKey; a follow from a QR code carries qrscene_<scene> and the Ticket.
            UserAction.Subscribe => ("subscribe", ticket is null ? "" : eventKey ?? ""),
            UserAction.Scan => ("SCAN", eventKey ?? ""),
            _ => ("unsubscribe", ""),
        };
        head.Append("<MsgType><![CDATA[event]]></MsgType>\n")
            .Append("<Event>").Append(WeixinXml.CData(eventName)).Append("</Event>\n")
            .Append("<EventKey>").Append(WeixinXml.CData(key)).Append("</EventKey>\n");
        if (ticket is not null)
        {
            // Rule: 扫描带参数二维码事件 carry <Ticket> after <EventKey> (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
            head.Append("<Ticket>").Append(WeixinXml.CData(ticket)).Append("</Ticket>\n");
        }

        head.Append("</xml>");
        return new UserMessage(action, head.ToString(), null, createTime);
    }

    /// <summary>The POST body for the mode; <paramref name="encrypt"/> is the ciphertext of <see cref="Xml"/> (compat and aes).</summary>
    public string Body(CallbackMode mode, string originalId, string? encrypt) => mode switch
    {
        CallbackMode.Plain => Xml,
        CallbackMode.Aes => $"<xml><ToUserName>{WeixinXml.CData(originalId)}</ToUserName>\n<Encrypt>{WeixinXml.CData(encrypt!)}</Encrypt>\n</xml>",
        _ => Xml[..^"</xml>".Length] + $"<Encrypt>{WeixinXml.CData(encrypt!)}</Encrypt>\n</xml>",
    };

    /// <summary>A random positive 64-bit id written in decimal, like WeChat's (18–19 digits).</summary>
    private static string NewMsgId()
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) % 9_000_000_000_000_000_000UL;
        return (value + 100_000_000_000_000_000UL).ToString(CultureInfo.InvariantCulture);
    }
}
