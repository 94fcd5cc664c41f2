using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Tests.OAuth;

public class ReturnUrlPolicyTests
{
    private static readonly string[] CrmRoot = ["http://127.0.0.1:5300/"];
    private static readonly string[] CrmApp = ["http://127.0.0.1:5300/app/"];

    [Theory]
    [InlineData("http://127.0.0.1:5300/")]
    [InlineData("http://127.0.0.1:5300/login/weixin/done")]
    [InlineData("http://127.0.0.1:5300/login/weixin/done?returnTo=%2Fcustomers")]
    [InlineData("http://127.0.0.1:5300/a/./b")]
    public void IsAllowed_AcceptsUrlsUnderThePrefix(string url)
    {
        Assert.True(ReturnUrlPolicy.IsAllowed(url, CrmRoot));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300.evil.com/")] // a host that merely starts like ours
    [InlineData("http://127.0.0.1:5300@evil.com/")] // user info: the browser goes to evil.com
    [InlineData("http://user:pw@127.0.0.1:5300/")] // user info on our own host
    [InlineData("http://127.0.0.1:53000/")]
    public void IsAllowed_RefusesLookAlikeHostsAndUserInfo(string url)
    {
        Assert.False(ReturnUrlPolicy.IsAllowed(url, CrmRoot));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300/\\evil.com")]
    [InlineData("http://127.0.0.1:5300\\@evil.com/")]
    [InlineData("http://127.0.0.1:5300/app/%2e%2e/admin")]
    [InlineData("http://127.0.0.1:5300/app/%2E%2E/admin")]
    [InlineData("http://127.0.0.1:5300/app/done#frag")]
    [InlineData("http://127.0.0.1:5300/app/done#")]
    [InlineData("http://127.0.0.1:5300/app/do ne")]
    [InlineData("http://127.0.0.1:5300/app/do\tne")]
    [InlineData("http://127.0.0.1:5300/app/done\r\nSet-Cookie:x=1")]
    public void IsAllowed_RefusesBackslashesEncodedDotsFragmentsAndControlCharacters(string url)
    {
        Assert.False(ReturnUrlPolicy.IsAllowed(url, CrmRoot));
        Assert.False(ReturnUrlPolicy.IsAllowed(url, CrmApp));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300/app/../admin")]
    [InlineData("http://127.0.0.1:5300/app/x/../../admin")]
    [InlineData("http://127.0.0.1:5300/application")]
    [InlineData("http://127.0.0.1:5300/")]
    [InlineData("http://127.0.0.1:5300/app")]
    public void IsAllowed_RefusesUrlsThatLeaveAPathPrefix(string url)
    {
        Assert.False(ReturnUrlPolicy.IsAllowed(url, CrmApp));
    }

    [Theory]
    [InlineData("/login/weixin/done")]
    [InlineData("login/weixin/done")]
    [InlineData("//evil.com/")]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("javascript://127.0.0.1:5300/%0aalert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("ftp://127.0.0.1:5300/")]
    [InlineData("https://127.0.0.1:5300/")] // another scheme is another origin
    [InlineData("http://127.0.0.1:5301/")]
    [InlineData("HTTP://127.0.0.1:5300/")]
    [InlineData("")]
    [InlineData(null)]
    public void IsAllowed_RefusesRelativeForeignAndNonHttpUrls(string? url)
    {
        Assert.False(ReturnUrlPolicy.IsAllowed(url, CrmRoot));
    }

    [Fact]
    public void IsAllowed_RefusesUrlsLongerThan2048Characters()
    {
        var ok = "http://127.0.0.1:5300/" + new string('a', 2048 - 22);
        Assert.True(ReturnUrlPolicy.IsAllowed(ok, CrmRoot));
        Assert.False(ReturnUrlPolicy.IsAllowed(ok + "a", CrmRoot));
    }

    [Fact]
    public void IsAllowed_RefusesEverythingWithoutPrefixes()
    {
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/", []));
    }

    [Fact]
    public void IsAllowed_ReadsABareOriginPrefixAsItsRoot()
    {
        string[] bareOrigin = ["http://127.0.0.1:5300"];

        Assert.True(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login", bareOrigin));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300.evil.com/", bareOrigin));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:53000/", bareOrigin));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300@evil.com/", bareOrigin));
    }

    [Fact]
    public void IsAllowed_TreatsAPrefixWithoutSlashAsOneExactUrl()
    {
        string[] exact = ["http://127.0.0.1:5300/login"];

        Assert.True(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login", exact));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login-evil", exact));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login/x", exact));
        Assert.False(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login?x=1", exact));
    }

    [Fact]
    public void IsAllowed_AcceptsAnyOfSeveralPrefixes()
    {
        string[] two = ["http://127.0.0.1:5300/", "https://crm.example.com/"];

        Assert.True(ReturnUrlPolicy.IsAllowed("https://crm.example.com/login/weixin/done", two));
        Assert.True(ReturnUrlPolicy.IsAllowed("http://127.0.0.1:5300/login/weixin/done", two));
        Assert.False(ReturnUrlPolicy.IsAllowed("https://crm.example.org/login/weixin/done", two));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300/login/weixin/done?returnTo=%2Fx", "http://127.0.0.1:5300/login")]
    [InlineData("https://crm.example.com/app/done", "https://crm.example.com/login")]
    [InlineData("https://crm.example.com:8443/app/done", "https://crm.example.com:8443/login")]
    public void DefaultErrorUrlFor_IsTheReturnUrlsOriginPlusLogin(string returnUrl, string expected)
    {
        Assert.Equal(expected, ReturnUrlPolicy.DefaultErrorUrlFor(returnUrl));
    }

    [Fact]
    public void AppendQuery_StartsOrExtendsTheQueryAndEscapesTheValue()
    {
        Assert.Equal("http://h/done?ticket=a-b_c", ReturnUrlPolicy.AppendQuery("http://h/done", "ticket", "a-b_c"));
        Assert.Equal("http://h/done?x=1&err=state_used", ReturnUrlPolicy.AppendQuery("http://h/done?x=1", "err", "state_used"));
        Assert.Equal("http://h/done?v=a%26b%3Dc%20d%23e", ReturnUrlPolicy.AppendQuery("http://h/done", "v", "a&b=c d#e"));
    }
}
