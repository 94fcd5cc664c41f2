using System.Xml.Linq;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>What WeChat makes of the body of a 200 answer to a message callback.</summary>
/// <param name="IsEmpty">True for an empty body or <c>success</c>: nothing is shown and nothing retried.</param>
/// <param name="MsgType">The reply's MsgType, when it is a valid reply.</param>
/// <param name="Text">What the user reads, when it is a valid reply.</param>
/// <param name="Xml">The plaintext reply XML (decrypted in compat/aes mode).</param>
/// <param name="Problem">Why WeChat would refuse the reply and show 「该公众号暂时无法提供服务，请稍后再试」 instead.</param>
internal sealed record PassiveReply(bool IsEmpty, string? MsgType, string? Text, string? Xml, string? Problem)
{
    /// <summary>WeChat's system notice when an account fails to answer (no answer in time, or an invalid one).</summary>
    public const string ServiceUnavailableNotice = "该公众号暂时无法提供服务，请稍后再试";

    private static PassiveReply Empty { get; } = new(true, null, null, null, null);

    private static PassiveReply Refused(string problem, string? xml = null) => new(false, null, null, xml, problem);

    /// <summary>Reads the answer as WeChat does for the account's <paramref name="mode"/>.</summary>
    public static PassiveReply Read(string body, CallbackMode mode, ReplyContext context)
    {
        // Note: WeChat accepts exactly two "no reply" answers: zero bytes, or the string success.
        if (body.Length == 0 || body == "success")
        {
            return Empty;
        }

        IReadOnlyDictionary<string, string> fields;
        try
        {
            fields = WeixinXml.ReadFields(body);
        }
        catch (WeixinXmlException ex)
        {
            return Refused("the reply is neither empty, success nor XML: " + ex.Message);
        }

        if (mode == CallbackMode.Plain)
        {
            return ReadPlain(fields, body, context);
        }

        // Note: with encrypt_type=aes WeChat expects the encrypted envelope back, signed with the Token.
        if (!fields.TryGetValue("Encrypt", out var encrypt) || encrypt.Length == 0)
        {
            return Refused("the reply to an encrypted message must be the <Encrypt> envelope");
        }

        var timeStamp = fields.GetValueOrDefault("TimeStamp") ?? "";
        var nonce = fields.GetValueOrDefault("Nonce") ?? "";
        if (timeStamp.Length == 0 || nonce.Length == 0)
        {
            return Refused("the encrypted reply lacks <TimeStamp> or <Nonce>");
        }

        if (!WeixinSignature.Verify(fields.GetValueOrDefault("MsgSignature"), context.Token, timeStamp, nonce, encrypt))
        {
            return Refused("the encrypted reply's <MsgSignature> is not sha1(sort(token, TimeStamp, Nonce, Encrypt))");
        }

        string plain;
        try
        {
            plain = context.Crypto.Decrypt(encrypt);
        }
        catch (WeixinCryptoException ex)
        {
            return Refused("the encrypted reply does not decrypt with the account's key and appid: " + ex.Message);
        }

        try
        {
            return ReadPlain(WeixinXml.ReadFields(plain), plain, context);
        }
        catch (WeixinXmlException ex)
        {
            return Refused("the decrypted reply is not XML: " + ex.Message, plain);
        }
    }

    private static PassiveReply ReadPlain(IReadOnlyDictionary<string, string> fields, string xml, ReplyContext context)
    {
        var toUser = fields.GetValueOrDefault("ToUserName");
        if (!string.Equals(toUser, context.OpenId, StringComparison.Ordinal))
        {
            return Refused($"the reply's <ToUserName> is '{toUser}', not the sender '{context.OpenId}'", xml);
        }

        var fromUser = fields.GetValueOrDefault("FromUserName");
        if (!string.Equals(fromUser, context.OriginalId, StringComparison.Ordinal))
        {
            return Refused($"the reply's <FromUserName> is '{fromUser}', not the account '{context.OriginalId}'", xml);
        }

        if (!long.TryParse(fields.GetValueOrDefault("CreateTime"), out _))
        {
            return Refused("the reply's <CreateTime> is missing or not a number", xml);
        }

        var msgType = fields.GetValueOrDefault("MsgType") ?? "";
        var text = msgType switch
        {
            "text" => fields.GetValueOrDefault("Content") is { Length: > 0 } content ? content : null,
            "news" => NewsTitles(fields.GetValueOrDefault("Articles")),
            "image" => HasMediaId(fields.GetValueOrDefault("Image")) ? "[图片]" : null,
            "voice" => HasMediaId(fields.GetValueOrDefault("Voice")) ? "[语音]" : null,
            "video" => HasMediaId(fields.GetValueOrDefault("Video")) ? "[视频]" : null,
            "music" => "[音乐]",
            _ => null,
        };

        return text is null
            ? Refused($"the reply of MsgType '{msgType}' is incomplete or of an unknown type", xml)
            : new PassiveReply(false, msgType, text, xml, null);
    }

    /// <summary>The article titles, one per line; null when there is no article.</summary>
    private static string? NewsTitles(string? articles)
    {
        if (string.IsNullOrEmpty(articles))
        {
            return null;
        }

        // Note: the inner XML comes from a document WeixinXml already parsed safely (no DTD possible inside an element).
        var titles = XElement.Parse("<Articles>" + articles + "</Articles>")
            .Elements("item")
            .Select(item => item.Element("Title")?.Value ?? "")
            .ToArray();
        return titles.Length == 0 ? null : string.Join('\n', titles);
    }

    private static bool HasMediaId(string? inner) =>
        !string.IsNullOrEmpty(inner) && XElement.Parse("<r>" + inner + "</r>").Element("MediaId")?.Value is { Length: > 0 };
}

/// <summary>What checking a reply needs: the account's Token and crypto, who sent the message, the account id.</summary>
internal sealed record ReplyContext(string Token, WeixinMessageCrypto Crypto, string OpenId, string OriginalId);
