using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.Contracts.Tests.Weixin;

/// <summary>Vectors from /work/shared/weixin-test-vectors.md (official WeChat docs).</summary>
public class WeixinSignatureTests
{
    private const string Token = "AAAAA";

    private const string CallbackTimestamp = "1715943329";
    private const string CallbackNonce = "1590219412";
    private const string CallbackEncrypt =
        "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
    private const string CallbackMsgSignature = "6c12a4205838198b8fa631b3220723bb07f1015c";

    private const string ReplyTimestamp = "1713424427";
    private const string ReplyNonce = "415670741";
    private const string ReplyEncrypt =
        "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7";
    private const string ReplyMsgSignature = "03e0812039325c2712ef5f0f980fd14c70d6e307";

    [Fact]
    public void Compute_PlainVector_MatchesOfficialDocs()
    {
        Assert.Equal("f464b24fc39322e44b38aa78f5edd27bd1441696", WeixinSignature.Compute(Token, "1714036504", "1514711492"));
    }

    [Fact]
    public void Compute_PartOrder_DoesNotMatter()
    {
        Assert.Equal(
            WeixinSignature.Compute(Token, "1714036504", "1514711492"),
            WeixinSignature.Compute("1514711492", Token, "1714036504"));
    }

    [Fact]
    public void Compute_SafeModeUrlSignature_MatchesOfficialDocs()
    {
        Assert.Equal("cc0c594499c1634947d5b502f158ee518947db27", WeixinSignature.Compute(Token, CallbackTimestamp, CallbackNonce));
    }

    [Fact]
    public void Compute_SafeModeMsgSignature_MatchesOfficialDocs()
    {
        Assert.Equal(CallbackMsgSignature, WeixinSignature.Compute(Token, CallbackTimestamp, CallbackNonce, CallbackEncrypt));
    }

    [Fact]
    public void Compute_ReplyMsgSignature_MatchesOfficialDocs()
    {
        Assert.Equal(ReplyMsgSignature, WeixinSignature.Compute(Token, ReplyTimestamp, ReplyNonce, ReplyEncrypt));
    }

    [Fact]
    public void Verify_CorrectSignature_ReturnsTrue()
    {
        Assert.True(WeixinSignature.Verify(CallbackMsgSignature, Token, CallbackTimestamp, CallbackNonce, CallbackEncrypt));
    }

    [Fact]
    public void Verify_UppercaseHex_ReturnsTrue()
    {
        Assert.True(WeixinSignature.Verify("F464B24FC39322E44B38AA78F5EDD27BD1441696", Token, "1714036504", "1514711492"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("f464b24fc39322e44b38aa78f5edd27bd144169")]
    [InlineData("f464b24fc39322e44b38aa78f5edd27bd14416960")]
    [InlineData("f464b24fc39322e44b38aa78f5edd27bd1441697")]
    [InlineData("0464b24fc39322e44b38aa78f5edd27bd1441696")]
    [InlineData("cc0c594499c1634947d5b502f158ee518947db27")]
    public void Verify_WrongSignature_ReturnsFalse(string? signature)
    {
        Assert.False(WeixinSignature.Verify(signature, Token, "1714036504", "1514711492"));
    }

    [Fact]
    public void Verify_OtherToken_ReturnsFalse()
    {
        Assert.False(WeixinSignature.Verify("f464b24fc39322e44b38aa78f5edd27bd1441696", "AAAAB", "1714036504", "1514711492"));
    }

    [Fact]
    public void Verify_CiphertextChanged_ReturnsFalse()
    {
        var tampered = "X" + CallbackEncrypt[1..];
        Assert.False(WeixinSignature.Verify(CallbackMsgSignature, Token, CallbackTimestamp, CallbackNonce, tampered));
    }
}
