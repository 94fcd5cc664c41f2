using System.Diagnostics;
using System.Xml.Linq;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.Contracts.Tests.Weixin;

/// <summary>Parsing WeChat's message XML safely, and building passive replies that parse back.</summary>
public class WeixinXmlTests
{
    // Examples in the shape of WeChat's message-push docs (lines joined by \n, as WeChat sends them).
    private const string TextMessage =
        "<xml><ToUserName><![CDATA[gh_sim_official01]]></ToUserName>\n<FromUserName><![CDATA[o_sim_zhangsan]]></FromUserName>\n<CreateTime>1348831860</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[客户 张]]></Content>\n<MsgId>1234567890123456</MsgId>\n</xml>";

    private const string SubscribeEvent =
        "<xml><ToUserName><![CDATA[gh_sim_official01]]></ToUserName>\n<FromUserName><![CDATA[o_sim_lisi]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[subscribe]]></Event>\n<EventKey><![CDATA[]]></EventKey>\n</xml>";

    private const string ClickEvent =
        "<xml><ToUserName><![CDATA[gh_sim_official01]]></ToUserName>\n<FromUserName><![CDATA[o_sim_lisi]]></FromUserName>\n<CreateTime>1715943330</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[CLICK]]></Event>\n<EventKey><![CDATA[MENU_CUSTOMERS]]></EventKey>\n</xml>";

    private const string Tail =
        "<FromUserName><![CDATA[o_x]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&xxe;</Content></xml>";

    [Fact]
    public void ParseMessage_Text_ReadsFieldsAndMsgIdDedupKey()
    {
        var message = WeixinXml.ParseMessage(TextMessage);

        Assert.Equal("gh_sim_official01", message.ToUserName);
        Assert.Equal("o_sim_zhangsan", message.FromUserName);
        Assert.Equal(1348831860L, message.CreateTime);
        Assert.Equal("text", message.MsgType);
        Assert.Equal("客户 张", message.Content);
        Assert.Equal("1234567890123456", message.MsgId);
        Assert.Null(message.Event);
        Assert.Null(message.EventKey);
        Assert.False(message.IsEvent);
        Assert.Equal("msg:1234567890123456", message.DedupKey);
        Assert.Equal(6, message.Fields.Count);
    }

    [Fact]
    public void ParseMessage_Subscribe_ReadsEventAndEventDedupKey()
    {
        var message = WeixinXml.ParseMessage(SubscribeEvent);

        Assert.True(message.IsEvent);
        Assert.Equal("subscribe", message.Event);
        Assert.Null(message.EventKey); // WeChat sends an empty EventKey for a plain subscribe
        Assert.Null(message.MsgId);
        Assert.Null(message.Content);
        Assert.Equal("evt:o_sim_lisi:1715943329:subscribe", message.DedupKey);
    }

    [Fact]
    public void ParseMessage_Click_ReadsEventKey()
    {
        var message = WeixinXml.ParseMessage(ClickEvent);

        Assert.Equal("CLICK", message.Event);
        Assert.Equal("MENU_CUSTOMERS", message.EventKey);
        Assert.Equal("evt:o_sim_lisi:1715943330:CLICK", message.DedupKey);
    }

    [Fact]
    public void ParseMessage_SameEventRetried_SameDedupKey_OtherSecondOrEvent_Differs()
    {
        var first = WeixinXml.ParseMessage(ClickEvent);
        var retry = WeixinXml.ParseMessage(ClickEvent);
        var later = WeixinXml.ParseMessage(ClickEvent.Replace("1715943330", "1715943331", StringComparison.Ordinal));
        var other = WeixinXml.ParseMessage(ClickEvent.Replace("CLICK", "VIEW", StringComparison.Ordinal));

        Assert.Equal(first.DedupKey, retry.DedupKey);
        Assert.NotEqual(first.DedupKey, later.DedupKey);
        Assert.NotEqual(first.DedupKey, other.DedupKey);
    }

    [Fact]
    public void ParseMessage_OfficialDecryptedCallback_KeepsUnknownFields()
    {
        const string xml =
            "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";

        var message = WeixinXml.ParseMessage(xml);

        Assert.Equal("debug_demo", message.Event);
        Assert.Equal("hello world", message.Fields["debug_str"]);
        Assert.Equal("evt:o9AgO5Kd5ggOC-bXrbNODIiE3bGY:1715943329:debug_demo", message.DedupKey);
    }

    [Theory]
    [InlineData("<Content>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;</Content>", "a <b> & \"c\" 'd'")]
    [InlineData("<Content>&#x4E2D;&#25991;</Content>", "中文")]
    [InlineData("<Content><![CDATA[<b>&amp;</b>]]></Content>", "<b>&amp;</b>")]
    [InlineData("<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>", "a]]>b")]
    [InlineData("<Content>前<![CDATA[中]]>后</Content>", "前中后")]
    [InlineData("<Content><![CDATA[😀 第一行\n第二行]]></Content>", "😀 第一行\n第二行")]
    public void ReadFields_CDataAndEntities_Decoded(string element, string expected)
    {
        var fields = WeixinXml.ReadFields($"<xml>{element}</xml>");

        Assert.Equal(expected, fields["Content"]);
    }

    [Fact]
    public void ReadFields_XmlDeclarationAndComments_Accepted()
    {
        var fields = WeixinXml.ReadFields("<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- c --><xml><Content>a<!-- x -->b</Content></xml>");

        Assert.Equal("ab", fields["Content"]);
    }

    [Fact]
    public void ReadFields_NestedElements_KeptAsInnerXml()
    {
        const string xml =
            "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event>" +
            "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1 < 2]]></ScanResult></ScanCodeInfo>" +
            "<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[a1]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[b2]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>";

        var fields = WeixinXml.ReadFields(xml);
        var scan = XElement.Parse("<r>" + fields["ScanCodeInfo"] + "</r>");
        var pics = XElement.Parse("<r>" + fields["SendPicsInfo"] + "</r>");

        Assert.Equal("qrcode", scan.Element("ScanType")?.Value);
        Assert.Equal("1 < 2", scan.Element("ScanResult")?.Value);
        Assert.Equal("2", pics.Element("Count")?.Value);
        Assert.Equal(["a1", "b2"], pics.Descendants("PicMd5Sum").Select(e => e.Value));
    }

    [Fact]
    public void ReadFields_XxeFileEntity_Refused()
    {
        var xml = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>gh</ToUserName>" + Tail;

        var ex = Assert.Throws<WeixinXmlException>(() => WeixinXml.ParseMessage(xml));
        Assert.DoesNotContain("root:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFields_ExternalDtd_Refused()
    {
        var xml = "<!DOCTYPE xml SYSTEM \"http://127.0.0.1:9/evil.dtd\"><xml><ToUserName>gh</ToUserName>" + Tail;

        Assert.Throws<WeixinXmlException>(() => WeixinXml.ParseMessage(xml));
    }

    [Fact]
    public void ReadFields_ParameterEntity_Refused()
    {
        var xml = "<!DOCTYPE xml [<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/x.dtd\"> %remote;]><xml><ToUserName>gh</ToUserName>" + Tail;

        Assert.Throws<WeixinXmlException>(() => WeixinXml.ParseMessage(xml));
    }

    [Fact]
    public void ReadFields_BillionLaughs_RefusedQuickly()
    {
        var dtd = new System.Text.StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            dtd.Append("<!ENTITY lol").Append(i).Append(" \"");
            for (var j = 0; j < 10; j++)
            {
                dtd.Append("&lol").Append(i == 1 ? "" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(';');
            }

            dtd.Append("\">");
        }

        var xml = dtd.Append("]><xml><ToUserName>&lol9;</ToUserName></xml>").ToString();
        var clock = Stopwatch.StartNew();

        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields(xml));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Took {clock.Elapsed}.");
    }

    [Fact]
    public void ReadFields_UndeclaredEntity_Refused()
    {
        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields("<xml><Content>&nbsp;</Content></xml>"));
    }

    [Fact]
    public void ReadFields_Over64KiB_Refused()
    {
        var xml = Padded(WeixinXml.MaxCharacters + 1);

        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields(xml));
    }

    [Fact]
    public void ReadFields_OneMiB_Refused()
    {
        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields(Padded(1024 * 1024)));
    }

    [Fact]
    public void ReadFields_Exactly64KiB_Accepted()
    {
        var xml = Padded(WeixinXml.MaxCharacters);

        Assert.Equal(WeixinXml.MaxCharacters, xml.Length);
        Assert.StartsWith("xxx", WeixinXml.ReadFields(xml)["Content"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<msg><ToUserName>gh</ToUserName></msg>")]
    [InlineData("<XML><ToUserName>gh</ToUserName></XML>")]
    [InlineData("<root><xml><ToUserName>gh</ToUserName></xml></root>")]
    public void ReadFields_WrongRoot_Refused(string xml)
    {
        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields(xml));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("success")]
    [InlineData("{\"errcode\":0}")]
    [InlineData("<xml><ToUserName>gh</ToUserName>")]
    [InlineData("<xml><ToUserName>gh</FromUserName></xml>")]
    [InlineData("<xml></xml><xml></xml>")]
    [InlineData("<xml><Content>a & b</Content></xml>")]
    [InlineData("<xml><Content>\u0001</Content></xml>")]
    public void ReadFields_Malformed_Refused(string xml)
    {
        Assert.Throws<WeixinXmlException>(() => WeixinXml.ReadFields(xml));
    }

    [Theory]
    [InlineData("ToUserName")]
    [InlineData("FromUserName")]
    [InlineData("CreateTime")]
    [InlineData("MsgType")]
    public void ParseMessage_RequiredFieldMissing_Refused(string field)
    {
        var element = XElement.Parse(TextMessage);
        element.Element(field)!.Remove();

        var ex = Assert.Throws<WeixinXmlException>(() => WeixinXml.ParseMessage(element.ToString(SaveOptions.DisableFormatting)));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public void ParseMessage_CreateTimeNotANumber_Refused(string createTime)
    {
        var xml = TextMessage.Replace("<CreateTime>1348831860</CreateTime>", $"<CreateTime>{createTime}</CreateTime>", StringComparison.Ordinal);

        Assert.Throws<WeixinXmlException>(() => WeixinXml.ParseMessage(xml));
    }

    [Fact]
    public void TextReply_ParsesBackToSameValues()
    {
        const string content = "找到 2 位客户：\n1. 张三 <VIP> & 合作中 ]]> 😀";
        var xml = WeixinXml.TextReply("o_sim_zhangsan", "gh_sim_official01", 1715943329, content);

        var reply = WeixinXml.ParseMessage(xml);

        Assert.Equal("o_sim_zhangsan", reply.ToUserName);
        Assert.Equal("gh_sim_official01", reply.FromUserName);
        Assert.Equal(1715943329L, reply.CreateTime);
        Assert.Equal("text", reply.MsgType);
        Assert.Equal(content, reply.Content);
    }

    [Fact]
    public void TextReply_RandomContent_RoundTrips()
    {
        var random = new Random(515);
        for (var i = 0; i < 200; i++)
        {
            var content = WeixinMessageCryptoTests.RandomText(random, random.Next(1, 600));
            var xml = WeixinXml.TextReply("o_a", "gh_b", i, content);

            Assert.Equal(content, WeixinXml.ReadFields(xml)["Content"]);
        }
    }

    [Fact]
    public void ImageReply_ParsesBackToSameValues()
    {
        var xml = WeixinXml.ImageReply("o_a", "gh_b", 42, "media_id_]]>_1");

        var fields = WeixinXml.ReadFields(xml);
        var image = XElement.Parse("<r>" + fields["Image"] + "</r>");

        Assert.Equal("image", fields["MsgType"]);
        Assert.Equal("o_a", fields["ToUserName"]);
        Assert.Equal("gh_b", fields["FromUserName"]);
        Assert.Equal("42", fields["CreateTime"]);
        Assert.Equal("media_id_]]>_1", image.Element("MediaId")?.Value);
    }

    [Fact]
    public void NewsReply_ParsesBackToSameValues()
    {
        WeixinArticle[] articles =
        [
            new("客户：张三", "电话 138…, 状态「合作中」 ]]>", "http://127.0.0.1:5300/img?a=1&b=2", "http://127.0.0.1:5300/customers/1?x=<y>"),
            new("客户：张伟", "", null, "http://127.0.0.1:5300/customers/2"),
        ];

        var xml = WeixinXml.NewsReply("o_a", "gh_b", 7, articles);
        var fields = WeixinXml.ReadFields(xml);
        var items = XElement.Parse("<r>" + fields["Articles"] + "</r>").Elements("item").ToArray();

        Assert.Equal("news", fields["MsgType"]);
        Assert.Equal("2", fields["ArticleCount"]);
        Assert.Equal(2, items.Length);
        for (var i = 0; i < articles.Length; i++)
        {
            Assert.Equal(articles[i].Title, items[i].Element("Title")?.Value);
            Assert.Equal(articles[i].Description, items[i].Element("Description")?.Value);
            Assert.Equal(articles[i].PicUrl ?? "", items[i].Element("PicUrl")?.Value);
            Assert.Equal(articles[i].Url, items[i].Element("Url")?.Value);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void NewsReply_ArticleCountOutside1To8_Throws(int count)
    {
        var articles = Enumerable.Range(0, count).Select(i => new WeixinArticle($"t{i}", "d", null, "http://x/")).ToArray();

        Assert.Throws<ArgumentException>(() => WeixinXml.NewsReply("o_a", "gh_b", 1, articles));
    }

    [Fact]
    public void EncryptedReply_OfficialVector_ParsesBackVerifiesAndDecrypts()
    {
        const string encrypt =
            "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7";
        var xml = WeixinXml.EncryptedReply(encrypt, "03e0812039325c2712ef5f0f980fd14c70d6e307", "1713424427", "415670741");

        var fields = WeixinXml.ReadFields(xml);

        Assert.Equal(encrypt, fields["Encrypt"]);
        Assert.Equal("03e0812039325c2712ef5f0f980fd14c70d6e307", fields["MsgSignature"]);
        Assert.Equal("1713424427", fields["TimeStamp"]);
        Assert.Equal("415670741", fields["Nonce"]);
        Assert.True(WeixinSignature.Verify(fields["MsgSignature"], "AAAAA", fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]));
        Assert.Equal(
            "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>",
            new WeixinMessageCrypto("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wx134c8103faa5a59e").Decrypt(fields["Encrypt"]));
    }

    [Theory]
    [InlineData("", "<![CDATA[]]>")]
    [InlineData("abc", "<![CDATA[abc]]>")]
    [InlineData("a]]>b", "<![CDATA[a]]]]><![CDATA[>b]]>")]
    [InlineData("]]>]]>", "<![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]>")]
    public void CData_SplitsTerminator(string value, string expected)
    {
        Assert.Equal(expected, WeixinXml.CData(value));
    }

    [Theory]
    [InlineData("]]>")]
    [InlineData("]]]>")]
    [InlineData("]]")]
    [InlineData("x]")]
    [InlineData("]]>]]>]]>")]
    [InlineData("<![CDATA[inner]]>")]
    public void CData_AnyValue_ReadsBackUnchanged(string value)
    {
        Assert.Equal(value, WeixinXml.ReadFields($"<xml><Content>{WeixinXml.CData(value)}</Content></xml>")["Content"]);
    }

    /// <summary>A valid message of exactly <paramref name="length"/> characters, padded in its Content.</summary>
    private static string Padded(int length)
    {
        const string head = "<xml><ToUserName>gh</ToUserName><Content>";
        const string tail = "</Content></xml>";
        return head + new string('x', length - head.Length - tail.Length) + tail;
    }
}
