using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Tests.OAuth;

/// <summary>Contradicting or malformed <c>OAuth:*</c> settings stop the poller at start-up with a message naming the key.</summary>
public class OAuthOptionsTests
{
    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["OAuth:CallbackUrl"] = "https://wx.example.com/wx/oauth/callback",
        ["OAuth:AllowedReturnPrefixes:0"] = "http://127.0.0.1:5300/",
        ["OAuth:DefaultErrorUrl"] = "http://127.0.0.1:5300/login",
    };

    private static Task<string?> StartWith(Dictionary<string, string?> settings) =>
        OptionsHost.StartupErrorAsync(b => b.AddOAuth(), settings);

    [Fact]
    public async Task Validate_AcceptsConsistentSettings()
    {
        Assert.Null(await StartWith(ValidSettings()));
    }

    [Theory]
    [InlineData("/wx/oauth/callback")]
    [InlineData("wx.example.com/wx/oauth/callback")]
    [InlineData("ftp://wx.example.com/wx/oauth/callback")]
    public async Task Validate_RefusesACallbackUrlThatIsNotAbsoluteHttp(string callbackUrl)
    {
        var settings = ValidSettings();
        settings["OAuth:CallbackUrl"] = callbackUrl;

        Assert.Contains("OAuth:CallbackUrl", await StartWith(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RefusesMissingCallbackUrl()
    {
        var settings = ValidSettings();
        settings.Remove("OAuth:CallbackUrl");

        Assert.Contains("CallbackUrl", await StartWith(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RefusesNoReturnPrefixes()
    {
        var settings = ValidSettings();
        settings.Remove("OAuth:AllowedReturnPrefixes:0");
        settings.Remove("OAuth:DefaultErrorUrl");

        Assert.Contains("AllowedReturnPrefixes", await StartWith(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5300/")]
    [InlineData("/login/")]
    public async Task Validate_RefusesAReturnPrefixThatIsNotAbsoluteHttp(string prefix)
    {
        var settings = ValidSettings();
        settings["OAuth:AllowedReturnPrefixes:1"] = prefix;

        Assert.Contains($"'{prefix}'", await StartWith(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://other-host:5300/login")]
    [InlineData("/login")]
    [InlineData("http://127.0.0.1:5300.evil.com/login")]
    public async Task Validate_RefusesADefaultErrorUrlOutsideThePrefixes(string errorUrl)
    {
        var settings = ValidSettings();
        settings["OAuth:DefaultErrorUrl"] = errorUrl;

        Assert.Contains("OAuth:DefaultErrorUrl", await StartWith(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAuth:StateLifetime", "00:00:10")]
    [InlineData("OAuth:TicketLifetime", "00:30:00")]
    [InlineData("OAuth:MaxAttempts", "0")]
    public async Task Validate_RefusesLifetimesAndAttemptsOutOfRange(string key, string value)
    {
        var settings = ValidSettings();
        settings[key] = value;

        Assert.Contains(key.Split(':')[1], await StartWith(settings), StringComparison.Ordinal);
    }
}
