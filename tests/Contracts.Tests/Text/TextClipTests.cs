using Weixin.Inbox.Contracts.Text;

namespace Weixin.Inbox.Contracts.Tests.Text;

public class TextClipTests
{
    [Theory]
    [InlineData(null, 3, false, null)]
    [InlineData("", 3, false, "")]
    [InlineData("", 3, true, null)]
    [InlineData("abc", 3, false, "abc")]
    [InlineData("abcdef", 3, false, "abc")]
    [InlineData("客户跟进提醒", 4, true, "客户跟进")]
    public void Clip_CutsToTheColumnWidth(string? value, int max, bool emptyAsNull, string? expected) =>
        Assert.Equal(expected, TextClip.Clip(value, max, emptyAsNull));
}
