using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>The message settings as start-up sees them: defaults, requirements while enabled, contradictions.</summary>
public class MessagesOptionsTests
{
    private static readonly Action<IHostApplicationBuilder> Register = builder =>
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddWeixinApi();
        builder.AddMessages();
    };

    [Fact]
    public async Task Start_WithoutTokenAndEnabledUnset_StartsWithMessagesOff()
    {
        var settings = Settings();

        Assert.Null(await OptionsHost.StartupErrorAsync(Register, settings));
        Assert.False(Options(settings).IsEnabled);
    }

    [Fact]
    public async Task Start_EnabledWithoutToken_FailsNamingTheSetting()
    {
        var error = await OptionsHost.StartupErrorAsync(Register, Settings(("Messages:Enabled", "true"), ("Messages:LoginUrl", "http://127.0.0.1:5300/login/weixin")));

        Assert.Contains("Weixin:Token is not configured", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TokenWithoutLoginUrl_FailsNamingTheSetting()
    {
        var error = await OptionsHost.StartupErrorAsync(Register, Settings(("Weixin:Token", "Token123")));

        Assert.Contains("Messages:LoginUrl", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ExplicitlyDisabled_NeedsNeitherTokenNorLoginUrl()
    {
        var settings = Settings(("Messages:Enabled", "false"), ("Weixin:Token", "Token123"));

        Assert.Null(await OptionsHost.StartupErrorAsync(Register, settings));
        Assert.False(Options(settings).IsEnabled);
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = Options(Settings(("Weixin:Token", "Token123"), ("Messages:LoginUrl", "http://127.0.0.1:5300/login/weixin")));

        Assert.True(options.IsEnabled);
        Assert.Contains("http://127.0.0.1:5300/login/weixin", options.Welcome, StringComparison.Ordinal);
        Assert.DoesNotContain("{loginUrl}", options.Welcome, StringComparison.Ordinal);
        Assert.Equal("暂不支持该消息，回复「帮助」查看可用指令。", options.DefaultReply);
        Assert.Equal("系统繁忙，请稍后再试。", options.BusyReply);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), 5), (options.HookTimeout, options.DuplicateWait, options.SendAttempts));
        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryTakeoverWindow);
    }

    [Theory]
    [InlineData("Weixin:EncodingAESKey", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", "Weixin:EncodingAESKey")]
    [InlineData("Weixin:Token", "ab", "Weixin:Token")]
    [InlineData("Weixin:TokenEndpoint", "cgi", "Weixin:TokenEndpoint")]
    [InlineData("CrmHook:BaseUrl", "crm.local", "CrmHook:BaseUrl")]
    [InlineData("Messages:HookTimeout", "00:05:00", "HookTimeout")]
    [InlineData("Messages:DuplicateWait", "00:00:05", "DuplicateWait")]
    [InlineData("Messages:RetryTakeoverWindow", "00:05:00", "RetryTakeoverWindow")]
    public async Task Start_BadSetting_FailsNamingIt(string key, string value, string named)
    {
        var error = await OptionsHost.StartupErrorAsync(Register,
            Settings(("Weixin:Token", "Token123"), ("Messages:LoginUrl", "http://127.0.0.1:5300/login/weixin"), (key, value)));

        Assert.Contains(named, error, StringComparison.Ordinal);
        if (key == "Weixin:EncodingAESKey")
        {
            Assert.DoesNotContain(value, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_EncodingAesKeyInAnyBase64Letters_IsAccepted()
    {
        var key = "ab+/" + new string('x', 39);

        Assert.Null(await OptionsHost.StartupErrorAsync(Register,
            Settings(("Weixin:Token", "Token123"), ("Messages:LoginUrl", "http://127.0.0.1:5300/login/weixin"), ("Weixin:EncodingAESKey", key))));
    }

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Poller:Enabled"] = "false",
            ["Weixin:AppId"] = "wx_options_test",
            ["Weixin:AppSecret"] = "options_test_secret",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static MessagesOptions Options(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration, settings);
        Register(builder);
        using var host = builder.Build();
        return host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagesOptions>>().Value;
    }
}
