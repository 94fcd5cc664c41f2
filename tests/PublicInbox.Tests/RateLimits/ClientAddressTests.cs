using System.Net;
using Weixin.Inbox.PublicInbox.RateLimits;

namespace Weixin.Inbox.PublicInbox.Tests.RateLimits;

public class ClientAddressTests
{
    [Theory]
    [InlineData("203.0.113.66", "203.0.113.66")]
    [InlineData("::ffff:203.0.113.66", "203.0.113.66")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8:1:2::10", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    public void Key_IsTheIPv4AddressOrTheIPv6Slash64(string address, string expected)
    {
        Assert.Equal(expected, ClientAddress.Key(IPAddress.Parse(address)));
    }

    [Fact]
    public void Key_WithoutAnAddress_IsUnknown()
    {
        Assert.Equal("unknown", ClientAddress.Key((IPAddress?)null));
    }
}
