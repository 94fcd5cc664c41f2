using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.Contracts.Tests.Weixin;

/// <summary>Safe-mode crypto against the published vectors (/work/shared/weixin-test-vectors.md), round trips and refusals.</summary>
public class WeixinMessageCryptoTests
{
    // WxJava's fixed-random vector.
    private const string WxJavaKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string WxJavaAppId = "wxb11529c136998cb6";

    // The official third-party-platform callback and reply.
    private const string Token = "AAAAA";
    private const string OfficialKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private const string OfficialAppId = "wx134c8103faa5a59e";
    private const string CallbackEncrypt =
        "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
    private const string CallbackXml =
        "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";
    private const string ReplyXml = "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>";
    private const string ReplyRandom = "999951349e8ee746";
    private const string ReplyTimestamp = "1713424427";
    private const string ReplyNonce = "415670741";
    private const string ReplyEncrypt =
        "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7";
    private const string ReplyMsgSignature = "03e0812039325c2712ef5f0f980fd14c70d6e307";

    private static readonly WeixinMessageCrypto Official = new(OfficialKey, OfficialAppId);

    [Fact]
    public void Encrypt_FixedRandom_MatchesWxJavaVector()
    {
        var crypto = new WeixinMessageCrypto(WxJavaKey, WxJavaAppId);

        Assert.Equal(
            "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
            crypto.Encrypt("我是中文abcd123", "aaaabbbbccccdddd"));
    }

    [Fact]
    public void Decrypt_WxJavaVector_ReturnsPlaintext()
    {
        var crypto = new WeixinMessageCrypto(WxJavaKey, WxJavaAppId);

        Assert.Equal("我是中文abcd123", crypto.Decrypt("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="));
    }

    [Fact]
    public void Decrypt_OfficialCallback_ReturnsExactXml()
    {
        var xml = Official.Decrypt(CallbackEncrypt);

        Assert.Equal(CallbackXml, xml);
        Assert.Equal(292, Encoding.UTF8.GetByteCount(xml)); // msg_len in the vector
    }

    [Fact]
    public void Encrypt_OfficialCallbackWithItsRandom_ReproducesCiphertext()
    {
        Assert.Equal(CallbackEncrypt, Official.Encrypt(CallbackXml, "1205899eaf019bbd"));
    }

    [Fact]
    public void Encrypt_OfficialReply_MatchesVector()
    {
        Assert.Equal(ReplyEncrypt, Official.Encrypt(ReplyXml, ReplyRandom));
    }

    [Fact]
    public void Encrypt_OfficialReply_MsgSignatureMatchesVector()
    {
        var encrypt = Official.Encrypt(ReplyXml, ReplyRandom);

        Assert.Equal(ReplyMsgSignature, WeixinSignature.Compute(Token, ReplyTimestamp, ReplyNonce, encrypt));
    }

    [Fact]
    public void Decrypt_OfficialReply_ReturnsReplyXml()
    {
        Assert.Equal(ReplyXml, Official.Decrypt(ReplyEncrypt));
    }

    [Fact]
    public void Encrypt_WithoutRandom_DiffersEachTimeAndStillDecrypts()
    {
        var first = Official.Encrypt(ReplyXml);
        var second = Official.Encrypt(ReplyXml);

        Assert.NotEqual(first, second);
        Assert.Equal(ReplyXml, Official.Decrypt(first));
        Assert.Equal(ReplyXml, Official.Decrypt(second));
    }

    [Fact]
    public void Encrypt_RandomThatIsNot16Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => Official.Encrypt(ReplyXml, "short"));
        Assert.Throws<ArgumentException>(() => Official.Encrypt(ReplyXml, "seventeen-chars!!"));
    }

    [Fact]
    public void RoundTrip_RandomStrings_200Cases()
    {
        var random = new Random(20240517);
        var appIds = new[] { OfficialAppId, "wx1", "wx_sim_app_0001", "wx" + new string('a', 30) };
        for (var i = 0; i < 200; i++)
        {
            var appId = appIds[i % appIds.Length];
            var crypto = new WeixinMessageCrypto(RandomKey(random), appId);
            var text = i switch
            {
                0 => "",
                1 => "]]>",
                2 => "😀",
                3 => "中",
                _ => RandomText(random, TargetLength(random)),
            };

            var encrypted = crypto.Encrypt(text);
            var cipherLength = Convert.FromBase64String(encrypted).Length;
            var plainLength = 20 + Encoding.UTF8.GetByteCount(text) + Encoding.UTF8.GetByteCount(appId);

            Assert.Equal(text, crypto.Decrypt(encrypted));
            Assert.Equal(0, cipherLength % 32);
            Assert.InRange(cipherLength - plainLength, 1, 32); // PKCS#7 to 32-byte blocks, never zero padding
        }
    }

    [Fact]
    public void RoundTrip_EveryPaddingLength_FromFullBlockToOneByte()
    {
        var crypto = new WeixinMessageCrypto(WxJavaKey, WxJavaAppId);
        var seenPads = new HashSet<int>();
        for (var length = 0; length <= 96; length++)
        {
            var text = new string('x', length);
            var encrypted = crypto.Encrypt(text, "aaaabbbbccccdddd");
            var plain = DecryptRaw(WxJavaKey, encrypted);
            seenPads.Add(plain[^1]);

            Assert.Equal(text, crypto.Decrypt(encrypted));
        }

        Assert.Equal(Enumerable.Range(1, 32).ToHashSet(), seenPads);
    }

    [Theory]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop")] // 42
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr")] // 44
    [InlineData("")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn!pq")] // 43, not base64
    public void Constructor_KeyThatIsNot43Base64Chars_Throws(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new WeixinMessageCrypto(key, OfficialAppId));
    }

    [Fact]
    public void Constructor_EmptyAppId_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => new WeixinMessageCrypto(OfficialKey, ""));
    }

    [Fact]
    public void Decrypt_WrongKey_ThrowsCryptoException()
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var other = new WeixinMessageCrypto(RandomKey(random), OfficialAppId);

            Assert.Throws<WeixinCryptoException>(() => other.Decrypt(CallbackEncrypt));
        }
    }

    [Fact]
    public void Decrypt_WrongAppId_ThrowsCryptoException()
    {
        var encrypted = new WeixinMessageCrypto(OfficialKey, "wx_other_app").Encrypt(ReplyXml);

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(encrypted));
    }

    [Theory]
    [InlineData("wx134c8103faa5a59")] // a prefix of the real appid
    [InlineData("wx134c8103faa5a59ee")]
    [InlineData("WX134C8103FAA5A59E")]
    public void Decrypt_OfficialCallbackWithNearlyTheAppId_ThrowsCryptoException(string appId)
    {
        Assert.Throws<WeixinCryptoException>(() => new WeixinMessageCrypto(OfficialKey, appId).Decrypt(CallbackEncrypt));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("abc")]
    [InlineData("<xml><Encrypt>x</Encrypt></xml>")]
    [InlineData("====")]
    public void Decrypt_NotBase64OrEmpty_ThrowsCryptoException(string encrypted)
    {
        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(encrypted));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(31)]
    public void Decrypt_NotWholeAesBlocks_ThrowsCryptoException(int length)
    {
        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(Convert.ToBase64String(new byte[length])));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(255)]
    public void Decrypt_PadByteOutOfRange_ThrowsCryptoException(int padByte)
    {
        var encrypted = EncryptRaw(OfficialKey, Frame(ReplyXml, OfficialAppId, padByte, padByte));

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(encrypted));
    }

    [Fact]
    public void Decrypt_PadByteDisagreeingWithLength_ThrowsCryptoException()
    {
        // The frame needs 22 bytes of padding; a pad byte of 10 leaves 12 pad bytes glued to the appid.
        var frame = Frame(CallbackXml, OfficialAppId, padCount: 22, padByte: 10);

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(EncryptRaw(OfficialKey, frame)));
    }

    [Fact]
    public void Decrypt_LengthFieldBeyondMessage_ThrowsCryptoException()
    {
        var frame = Frame(ReplyXml, OfficialAppId);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(16), int.MaxValue);

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(EncryptRaw(OfficialKey, frame)));
    }

    [Fact]
    public void Decrypt_NegativeLengthField_ThrowsCryptoException()
    {
        var frame = Frame(ReplyXml, OfficialAppId);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(16), -1);

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(EncryptRaw(OfficialKey, frame)));
    }

    [Fact]
    public void Decrypt_FrameShorterThanHeader_ThrowsCryptoException()
    {
        // One 32-byte block holding only 10 bytes of content and 22 bytes of padding.
        var frame = new byte[32];
        frame.AsSpan(10).Fill(22);

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(EncryptRaw(OfficialKey, frame)));
    }

    [Fact]
    public void Decrypt_LastBlockCorrupted_ThrowsCryptoException()
    {
        var bytes = Convert.FromBase64String(CallbackEncrypt);
        bytes[^1] ^= 0x5a;

        Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(Convert.ToBase64String(bytes)));
    }

    [Fact]
    public void Decrypt_RandomCorruptions_OnlyEverThrowCryptoException()
    {
        // Note: CBC has no integrity (msg_signature is what protects the ciphertext), so some corruptions
        // decrypt to altered text; what must never happen is any other exception type escaping.
        var random = new Random(4242);
        var original = Convert.FromBase64String(CallbackEncrypt);
        var refused = 0;
        const int cases = 2000;
        for (var i = 0; i < cases; i++)
        {
            var corrupted = Corrupt(random, original, i % 6);
            try
            {
                Official.Decrypt(corrupted);
            }
            catch (WeixinCryptoException)
            {
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"Case {i}: {ex.GetType().Name} escaped Decrypt: {ex.Message}");
            }
        }

        Assert.True(refused > cases / 2, $"Only {refused} of {cases} corruptions were refused.");
    }

    [Fact]
    public void Decrypt_RandomBytes_OnlyEverThrowCryptoException()
    {
        var random = new Random(99);
        for (var i = 0; i < 1000; i++)
        {
            var bytes = new byte[16 * random.Next(0, 40)];
            random.NextBytes(bytes);

            Assert.Throws<WeixinCryptoException>(() => Official.Decrypt(Convert.ToBase64String(bytes)));
        }
    }

    private static string Corrupt(Random random, byte[] original, int kind)
    {
        var bytes = (byte[])original.Clone();
        switch (kind)
        {
            case 0: // flip one byte anywhere
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                return Convert.ToBase64String(bytes);
            case 1: // flip a few bytes in the last two blocks (padding and appid)
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    bytes[bytes.Length - 1 - random.Next(32)] ^= (byte)random.Next(1, 256);
                }

                return Convert.ToBase64String(bytes);
            case 2: // truncate to whole blocks
                return Convert.ToBase64String(bytes.AsSpan(0, 16 * random.Next(0, bytes.Length / 16)));
            case 3: // truncate anywhere
                return Convert.ToBase64String(bytes.AsSpan(0, random.Next(0, bytes.Length)));
            case 4: // append random blocks
                var extra = new byte[16 * random.Next(1, 4)];
                random.NextBytes(extra);
                return Convert.ToBase64String([.. bytes, .. extra]);
            default: // damage the base64 text itself
                var text = CallbackEncrypt.ToCharArray();
                const string damage = "!*-_.~ \u4e2d=A";
                text[random.Next(text.Length)] = damage[random.Next(damage.Length)];
                return new string(text);
        }
    }

    private static int TargetLength(Random random)
    {
        // Half the cases sit right around a 32-byte boundary, the rest anywhere up to 2000.
        return random.Next(2) == 0
            ? Math.Clamp((random.Next(0, 63) * 32) + random.Next(-2, 3), 0, 2000)
            : random.Next(0, 2001);
    }

    /// <summary>Text mixing ASCII, XML specials, CJK, emoji (surrogate pairs) and <c>]]&gt;</c>.</summary>
    internal static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length + 4);
        while (text.Length < length)
        {
            switch (random.Next(8))
            {
                case 0:
                    text.Append((char)random.Next(0x4E00, 0x9FA6));
                    break;
                case 1:
                    text.Append(char.ConvertFromUtf32(random.Next(0x1F600, 0x1F650)));
                    break;
                case 2:
                    text.Append("]]>");
                    break;
                case 3:
                    text.Append("<&>\"'"[random.Next(5)]);
                    break;
                case 4:
                    text.Append(random.Next(2) == 0 ? '\n' : ' ');
                    break;
                case 5:
                    text.Append("，。「」？！"[random.Next(6)]);
                    break;
                default:
                    text.Append((char)random.Next(0x21, 0x7F));
                    break;
            }
        }

        return text.ToString();
    }

    private static string RandomKey(Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(43, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[r.Next(alphabet.Length)];
            }
        });
    }

    /// <summary>random(16) + length + xml + appid + padding, with the padding chosen by the test.</summary>
    private static byte[] Frame(string xml, string appId, int? padCount = null, int? padByte = null)
    {
        var body = Encoding.UTF8.GetBytes(xml);
        var app = Encoding.UTF8.GetBytes(appId);
        var length = 20 + body.Length + app.Length;
        var count = padCount ?? (32 - (length % 32));
        var frame = new byte[length + count];
        Encoding.ASCII.GetBytes("0123456789abcdef").CopyTo(frame, 0);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(16), body.Length);
        body.CopyTo(frame, 20);
        app.CopyTo(frame, 20 + body.Length);
        frame.AsSpan(length).Fill((byte)(padByte ?? count));
        if (frame.Length % 16 != 0)
        {
            Array.Resize(ref frame, frame.Length + 16 - (frame.Length % 16));
            frame[^1] = (byte)(padByte ?? count);
        }

        return frame;
    }

    private static string EncryptRaw(string encodingAesKey, byte[] frame)
    {
        var key = Convert.FromBase64String(encodingAesKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(frame, key.AsSpan(0, 16), PaddingMode.None));
    }

    private static byte[] DecryptRaw(string encodingAesKey, string encrypted)
    {
        var key = Convert.FromBase64String(encodingAesKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.DecryptCbc(Convert.FromBase64String(encrypted), key.AsSpan(0, 16), PaddingMode.None);
    }
}
