using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.PublicInbox.Tests;

public class InboxOptionsTests
{
    private static InboxOptions Allowing(params string[] prefixes) => new() { AllowedRedirectPrefixes = [.. prefixes] };

    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Inbox:PublicBaseUrl"] = "https://wx.example.com",
        ["Inbox:AllowedRedirectPrefixes:0"] = "http://127.0.0.1:5300/login/",
        ["Inbox:RetryLoginUrl"] = "http://127.0.0.1:5300/login/weixin",
        ["Inbox:WeixinToken"] = "tokenfortests",
    };

    /// <summary>Binds and validates the options through the inbox's own registration; the message, or null when valid.</summary>
    private static async Task<string?> ValidationErrorAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddInbox();
        await using var app = builder.Build();
        try
        {
            _ = app.Services.GetRequiredService<IOptions<InboxOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300/login/weixin/done?ticket=abc")]
    [InlineData("http://127.0.0.1:5300/login/")]
    [InlineData("http://127.0.0.1:5300/login/?err=timeout")]
    public void IsAllowedRedirect_AcceptsUrlsUnderAPrefix(string url)
    {
        Assert.True(Allowing("http://127.0.0.1:5300/login/").IsAllowedRedirect(url));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/login/weixin/done")]
    [InlineData("//evil.com/login/")]
    [InlineData("javascript:alert(1)//http://127.0.0.1:5300/login/")]
    [InlineData("http://127.0.0.1:5300.evil.com/login/")]
    [InlineData("http://127.0.0.1:5300@evil.com/login/")]
    [InlineData("https://127.0.0.1:5300/login/")]
    [InlineData("http://127.0.0.1:5300/admin")]
    [InlineData("http://127.0.0.1:5300/login")]
    [InlineData("http://127.0.0.1:5300/loginx/")]
    public void IsAllowedRedirect_RefusesUrlsOutsideThePrefixes(string? url)
    {
        Assert.False(Allowing("http://127.0.0.1:5300/login/").IsAllowedRedirect(url));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300/login/../admin/")]
    [InlineData("http://127.0.0.1:5300/login/%2e%2e/admin/")]
    [InlineData("http://127.0.0.1:5300/login/%2E%2E/admin/")]
    public void IsAllowedRedirect_RefusesDotSegmentsThatLeaveThePrefix(string url)
    {
        // A browser resolves these to /admin/, which is not under the allowed prefix.
        Assert.False(Allowing("http://127.0.0.1:5300/login/").IsAllowedRedirect(url));
    }

    [Fact]
    public void IsAllowedRedirect_RefusesEverythingWithoutPrefixes()
    {
        Assert.False(Allowing().IsAllowedRedirect("http://127.0.0.1:5300/login/"));
    }

    [Fact]
    public async Task Validate_AcceptsConsistentSettings()
    {
        Assert.Null(await ValidationErrorAsync(ValidSettings()));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300")]
    [InlineData("https://crm.example.com/login")]
    public async Task Validate_RefusesAPrefixWithoutTrailingSlash(string prefix)
    {
        var settings = ValidSettings();
        settings["Inbox:AllowedRedirectPrefixes:0"] = prefix;

        var error = await ValidationErrorAsync(settings);

        Assert.Contains($"'{prefix}'", error, StringComparison.Ordinal);
        Assert.Contains("ending with '/'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/login/")]
    [InlineData("javascript:alert(1)/")]
    [InlineData("ftp://127.0.0.1:5300/")]
    public async Task Validate_RefusesAPrefixThatIsNotAbsoluteHttp(string prefix)
    {
        var settings = ValidSettings();
        settings["Inbox:AllowedRedirectPrefixes:1"] = prefix;

        Assert.Contains($"'{prefix}'", await ValidationErrorAsync(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RefusesNoPrefixes()
    {
        var settings = ValidSettings();
        settings.Remove("Inbox:AllowedRedirectPrefixes:0");

        Assert.Contains("Inbox:AllowedRedirectPrefixes", await ValidationErrorAsync(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:30", "00:00:30")]
    [InlineData("00:02:00", "00:01:00")]
    public async Task Validate_RefusesALeaseNotShorterThanTheLoginTimeout(string lease, string timeout)
    {
        var settings = ValidSettings();
        settings["Inbox:LeaseDuration"] = lease;
        settings["Inbox:LoginTimeout"] = timeout;

        Assert.Contains("Inbox:LeaseDuration must be shorter than Inbox:LoginTimeout", await ValidationErrorAsync(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AcceptsALeaseJustShorterThanTheLoginTimeout()
    {
        var settings = ValidSettings();
        settings["Inbox:LeaseDuration"] = "00:00:29";
        settings["Inbox:LoginTimeout"] = "00:00:30";

        Assert.Null(await ValidationErrorAsync(settings));
    }

    [Theory]
    [InlineData("Inbox:PublicBaseUrl", "PublicBaseUrl")]
    [InlineData("Inbox:RetryLoginUrl", "RetryLoginUrl")]
    public async Task Validate_RefusesMissingRequiredUrls(string key, string expectedInMessage)
    {
        var settings = ValidSettings();
        settings.Remove(key);

        Assert.Contains(expectedInMessage, await ValidationErrorAsync(settings), StringComparison.Ordinal);
    }
}
