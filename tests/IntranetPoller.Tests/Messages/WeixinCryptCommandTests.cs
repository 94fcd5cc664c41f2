using Microsoft.Extensions.Configuration;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary><c>weixin-crypt</c>, checked against the published safe-mode vector (weixin-test-vectors.md).</summary>
public class WeixinCryptCommandTests
{
    private const string VectorKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private const string VectorAppId = "wx134c8103faa5a59e";
    private const string VectorEncrypt =
        "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
    private const string VectorXml =
        "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";

    [Fact]
    public void Decrypt_PublishedVector_PrintsTheXml()
    {
        var (code, stdout, stderr) = Run(["decrypt", "--key", VectorKey, "--appid", VectorAppId, VectorEncrypt]);

        Assert.Equal((0, ""), (code, stderr));
        Assert.Equal(VectorXml + Environment.NewLine, stdout);
    }

    [Fact]
    public void Decrypt_StoredBodyWithKeyFromConfiguration_PrintsTheXml()
    {
        var body = $"<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[{VectorEncrypt}]]></Encrypt></xml>";

        var (code, stdout, _) = Run(["decrypt", body], Configuration(VectorKey, VectorAppId));

        Assert.Equal(0, code);
        Assert.Equal(VectorXml, stdout.TrimEnd());
    }

    [Fact]
    public void EncryptThenDecrypt_FromStdin_RoundTrips()
    {
        const string xml = "<xml><Content><![CDATA[客户 张]]></Content></xml>";
        var config = Configuration("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6");

        var (encryptCode, ciphertext, _) = Run(["encrypt", "-"], config, xml);
        var (decryptCode, plaintext, _) = Run(["decrypt", ciphertext.Trim()], config);

        Assert.Equal((0, 0), (encryptCode, decryptCode));
        Assert.Equal(xml, plaintext.TrimEnd());
    }

    [Fact]
    public void Decrypt_AnotherAppId_ExitsOneWithTheReason()
    {
        var (code, stdout, stderr) = Run(["decrypt", "--key", VectorKey, "--appid", "wx_other", VectorEncrypt]);

        Assert.Equal((1, ""), (code, stdout));
        Assert.Contains("another appid", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypt_WrongKey_ExitsOneWithoutEchoingTheKey()
    {
        const string wrongKey = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

        var (code, _, stderr) = Run(["decrypt", "--key", wrongKey, "--appid", VectorAppId, VectorEncrypt]);

        Assert.Equal(1, code);
        Assert.StartsWith("weixin-crypt: cannot decrypt", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "decrypt", "abc" }, "no key")]
    [InlineData(new[] { "decrypt", "--key", "short", "--appid", "wx1", "abc" }, "43-character")]
    [InlineData(new[] { "scramble", "abc" }, "unknown action")]
    [InlineData(new[] { "decrypt", "--key" }, "--key needs a value")]
    public void BadUsage_ExitsTwoWithUsage(string[] args, string reason)
    {
        var (code, _, stderr) = Run(args);

        Assert.Equal(2, code);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? key = null, string? appId = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Weixin:EncodingAESKey"] = key,
            ["Weixin:AppId"] = appId,
        }).Build();

    private static (int Code, string Stdout, string Stderr) Run(string[] args, IConfiguration? configuration = null, string stdin = "")
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = WeixinCryptCommand.Run(args, configuration ?? Configuration(), stdout, stderr, new StringReader(stdin));
        return (code, stdout.ToString(), stderr.ToString());
    }
}
