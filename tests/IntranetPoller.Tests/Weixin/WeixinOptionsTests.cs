using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Weixin;

/// <summary>Bad <c>Weixin:*</c> settings stop the poller at start-up with a message naming the key, never the secret.</summary>
public class WeixinOptionsTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";

    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Weixin:AppId"] = "wx1234567890abcdef",
        ["Weixin:AppSecret"] = Secret,
    };

    private static Task<string?> StartWith(Dictionary<string, string?> settings) =>
        OptionsHost.StartupErrorAsync(b => b.AddWeixinApi(), settings);

    [Fact]
    public async Task Validate_AcceptsAppIdAndSecretWithDefaultUrls()
    {
        Assert.Null(await StartWith(ValidSettings()));
    }

    [Theory]
    [InlineData("Weixin:AppId", "AppId")]
    [InlineData("Weixin:AppSecret", "AppSecret")]
    public async Task Validate_RefusesMissingCredentials(string key, string expectedInMessage)
    {
        var settings = ValidSettings();
        settings.Remove(key);

        Assert.Contains(expectedInMessage, await StartWith(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Weixin:ApiBaseUrl", "api.weixin.qq.com")]
    [InlineData("Weixin:ApiBaseUrl", "ftp://api.weixin.qq.com")]
    [InlineData("Weixin:OpenBaseUrl", "open.weixin.qq.com")]
    public async Task Validate_RefusesBaseUrlsThatAreNotAbsoluteHttp(string key, string value)
    {
        var settings = ValidSettings();
        settings[key] = value;

        var error = await StartWith(settings);

        Assert.Contains(key, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }
}
