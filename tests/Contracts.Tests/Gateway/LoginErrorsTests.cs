using System.Reflection;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.Contracts.Tests.Gateway;

public class LoginErrorsTests
{
    private static readonly string Generic = LoginErrors.Describe("no_such_code");

    private static string[] Codes() =>
        typeof(LoginErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToArray();

    public static TheoryData<string> AllCodes() => new(Codes());

    [Fact]
    public void Codes_AreFoundByReflection()
    {
        Assert.True(Codes().Length >= 12);
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void IsKnown_EveryPublicCode_ReturnsTrue(string code)
    {
        Assert.True(LoginErrors.IsKnown(code));
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void Describe_EveryPublicCode_ReturnsSpecificChineseMessage(string code)
    {
        var message = LoginErrors.Describe(code);

        Assert.Contains(message, c => c >= '\u4e00' && c <= '\u9fff');
        Assert.NotEqual(Generic, message);
    }

    [Fact]
    public void Describe_EveryPublicCode_HasDistinctMessage()
    {
        var messages = Codes().Select(LoginErrors.Describe).ToList();
        Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Codes_AreUrlSafe()
    {
        Assert.All(Codes(), code =>
            Assert.Matches("^[a-z_]+$", code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("DENIED")]
    [InlineData("<script>alert(1)</script>")]
    public void Describe_UnknownCode_ReturnsGenericMessage(string? code)
    {
        Assert.Equal("微信登录失败，请重新尝试。", LoginErrors.Describe(code));
        Assert.False(LoginErrors.IsKnown(code));
    }
}
