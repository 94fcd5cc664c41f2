using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Weixin.Inbox.Contracts.Weixin;

/// <summary>Why a WeChat XML body was refused.</summary>
public sealed class WeixinXmlException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A message or event WeChat posted (plaintext XML, after decryption in safe mode).</summary>
/// <param name="ToUserName">The official account's original id (gh_…).</param>
/// <param name="FromUserName">The sender's openid.</param>
/// <param name="CreateTime">Unix seconds.</param>
/// <param name="MsgType">text, image, voice, video, location, link, event, …</param>
/// <param name="Content">Text content (text messages).</param>
/// <param name="MsgId">Message id (messages; events have none).</param>
/// <param name="Event">Event name (subscribe, unsubscribe, CLICK, VIEW, SCAN, …).</param>
/// <param name="EventKey">Event key (menu key, scene).</param>
/// <param name="Fields">Every top-level element, by name, as text.</param>
public sealed record WeixinMessage(
    string ToUserName,
    string FromUserName,
    long CreateTime,
    string MsgType,
    string? Content,
    string? MsgId,
    string? Event,
    string? EventKey,
    IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>True for events (MsgType <c>event</c>).</summary>
    public bool IsEvent => string.Equals(MsgType, "event", StringComparison.Ordinal);

    /// <summary>
    /// The key WeChat's retries share: MsgId for messages; FromUserName + CreateTime + Event for events
    /// (WeChat retries a callback 3 times and each retry must get the same single answer).
    /// </summary>
    public string DedupKey => MsgId is { Length: > 0 }
        ? "msg:" + MsgId
        : $"evt:{FromUserName}:{CreateTime.ToString(CultureInfo.InvariantCulture)}:{Event}";
}

/// <summary>One article of a news reply.</summary>
public sealed record WeixinArticle(string Title, string Description, string? PicUrl, string Url);

/// <summary>Safe parsing and building of WeChat's message XML (no DTDs, no external entities, size-limited).</summary>
public static class WeixinXml
{
    /// <summary>Largest XML body accepted, in characters (64 KiB).</summary>
    public const int MaxCharacters = 64 * 1024;

    /// <summary>Reads the top-level elements of <c>&lt;xml&gt;…&lt;/xml&gt;</c>.</summary>
    public static IReadOnlyDictionary<string, string> ReadFields(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxCharacters)
        {
            throw new WeixinXmlException($"The XML body exceeds {MaxCharacters} characters.");
        }

        var settings = new XmlReaderSettings
        {
            // Note: a DTD is how XXE and billion-laughs payloads get in; WeChat never sends one.
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var root = XElement.Load(reader);
            if (root.Name.LocalName != "xml")
            {
                throw new WeixinXmlException("The root element must be <xml>.");
            }

            foreach (var element in root.Elements())
            {
                // Note: nested fields (ScanCodeInfo, SendPicsInfo, …) keep their inner XML; plain ones become text.
                fields[element.Name.LocalName] = element.HasElements
                    ? string.Concat(element.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting)))
                    : element.Value;
            }
        }
        catch (XmlException ex)
        {
            throw new WeixinXmlException("Malformed XML: " + ex.Message, ex);
        }

        return fields;
    }

    /// <summary>Parses a plaintext message or event.</summary>
    public static WeixinMessage ParseMessage(string xml) => ToMessage(ReadFields(xml));

    /// <summary>Reads a message or event out of fields already read by <see cref="ReadFields"/>.</summary>
    public static WeixinMessage ToMessage(IReadOnlyDictionary<string, string> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        string Required(string name) => f.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new WeixinXmlException($"<{name}> is missing.");
        string? Optional(string name) => f.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

        if (!long.TryParse(Required("CreateTime"), NumberStyles.None, CultureInfo.InvariantCulture, out var createTime))
        {
            throw new WeixinXmlException("<CreateTime> is not a number.");
        }

        return new WeixinMessage(
            Required("ToUserName"), Required("FromUserName"), createTime, Required("MsgType"),
            Optional("Content"), Optional("MsgId"), Optional("Event"), Optional("EventKey"), f);
    }

    /// <summary>Builds a passive text reply.</summary>
    public static string TextReply(string toUser, string fromUser, long createTime, string content) =>
        $"<xml><ToUserName>{CData(toUser)}</ToUserName><FromUserName>{CData(fromUser)}</FromUserName><CreateTime>{createTime.ToString(CultureInfo.InvariantCulture)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>{CData(content)}</Content></xml>";

    /// <summary>Builds a passive image reply (a media id from WeChat's material API).</summary>
    public static string ImageReply(string toUser, string fromUser, long createTime, string mediaId) =>
        $"<xml><ToUserName>{CData(toUser)}</ToUserName><FromUserName>{CData(fromUser)}</FromUserName><CreateTime>{createTime.ToString(CultureInfo.InvariantCulture)}</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId>{CData(mediaId)}</MediaId></Image></xml>";

    /// <summary>Builds a passive news reply (WeChat shows at most 1 article in a passive reply since 2018; up to 8 are accepted).</summary>
    public static string NewsReply(string toUser, string fromUser, long createTime, IReadOnlyList<WeixinArticle> articles)
    {
        if (articles.Count is < 1 or > 8)
        {
            throw new ArgumentException("A news reply carries 1 to 8 articles.", nameof(articles));
        }

        var items = new StringBuilder();
        foreach (var a in articles)
        {
            items.Append("<item><Title>").Append(CData(a.Title)).Append("</Title><Description>").Append(CData(a.Description))
                .Append("</Description><PicUrl>").Append(CData(a.PicUrl ?? "")).Append("</PicUrl><Url>").Append(CData(a.Url)).Append("</Url></item>");
        }

        return $"<xml><ToUserName>{CData(toUser)}</ToUserName><FromUserName>{CData(fromUser)}</FromUserName><CreateTime>{createTime.ToString(CultureInfo.InvariantCulture)}</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>{articles.Count.ToString(CultureInfo.InvariantCulture)}</ArticleCount><Articles>{items}</Articles></xml>";
    }

    /// <summary>Builds the safe-mode reply envelope around an encrypted reply.</summary>
    public static string EncryptedReply(string encrypt, string msgSignature, string timestamp, string nonce) =>
        $"<xml><Encrypt>{CData(encrypt)}</Encrypt><MsgSignature>{CData(msgSignature)}</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{CData(nonce)}</Nonce></xml>";

    /// <summary>Wraps text in CDATA, splitting any <c>]]&gt;</c> it contains.</summary>
    public static string CData(string value) => "<![CDATA[" + value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal) + "]]>";
}
