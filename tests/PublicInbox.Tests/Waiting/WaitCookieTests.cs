using Microsoft.AspNetCore.Http;
using Weixin.Inbox.PublicInbox.Waiting;

namespace Weixin.Inbox.PublicInbox.Tests.Waiting;

public class WaitCookieTests
{
    private static DefaultHttpContext RequestWithCookie(string? cookieHeader)
    {
        var http = new DefaultHttpContext();
        if (cookieHeader is not null)
        {
            http.Request.Headers.Cookie = cookieHeader;
        }

        return http;
    }

    [Fact]
    public void Hash_IsLowerCaseHexSha256()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", WaitCookie.Hash("abc"));
    }

    [Fact]
    public void NewValue_Is256UrlSafeRandomBitsAndNeverRepeats()
    {
        var values = Enumerable.Range(0, 5_000).Select(_ => WaitCookie.NewValue()).ToList();

        Assert.All(values, v => Assert.Matches("^[A-Za-z0-9_-]{43}$", v));
        Assert.Equal(values.Count, values.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(values[0], WaitCookie.Hash(values[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_TrueForTheCookieWhoseHashIsStored()
    {
        var value = WaitCookie.NewValue();

        Assert.True(WaitCookie.Matches(RequestWithCookie($"other=1; wx_wait_42={value}"), 42, WaitCookie.Hash(value)));
    }

    [Fact]
    public void Matches_FalseForAnotherBrowsersCookie()
    {
        var stored = WaitCookie.Hash(WaitCookie.NewValue());

        Assert.False(WaitCookie.Matches(RequestWithCookie($"wx_wait_42={WaitCookie.NewValue()}"), 42, stored));
    }

    [Fact]
    public void Matches_FalseForTheCookieOfAnotherItem()
    {
        var value = WaitCookie.NewValue();

        Assert.False(WaitCookie.Matches(RequestWithCookie($"wx_wait_43={value}"), 42, WaitCookie.Hash(value)));
    }

    [Fact]
    public void Matches_FalseWhenTheStoredHashItselfIsPresented()
    {
        var stored = WaitCookie.Hash(WaitCookie.NewValue());

        Assert.False(WaitCookie.Matches(RequestWithCookie($"wx_wait_42={stored}"), 42, stored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wx_wait_42=")]
    [InlineData("unrelated=1")]
    public void Matches_FalseWithoutACookieValue(string? cookieHeader)
    {
        Assert.False(WaitCookie.Matches(RequestWithCookie(cookieHeader), 42, WaitCookie.Hash("")));
    }

    [Fact]
    public void Matches_FalseWhenNoHashIsStored()
    {
        var value = WaitCookie.NewValue();

        Assert.False(WaitCookie.Matches(RequestWithCookie($"wx_wait_42={value}"), 42, null));
    }

    [Theory]
    [InlineData("http", false)]
    [InlineData("https", true)]
    public void Append_SetsAnHttpOnlyLaxCookieScopedToTheItemsPage(string scheme, bool secure)
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = scheme;

        WaitCookie.Append(http, 42, "VALUE");

        var setCookie = http.Response.Headers.SetCookie.ToString();
        Assert.StartsWith("wx_wait_42=VALUE;", setCookie, StringComparison.Ordinal);
        Assert.Contains("path=/wx/wait/42", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(secure, setCookie.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }
}
