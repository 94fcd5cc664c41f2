using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Push;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>Push settings: checked at start-up, and the backoff they give.</summary>
public class PushOptionsTests
{
    [Fact]
    public async Task Startup_RetryDelayLongerThanItsCap_IsRefusedWithBothSettingsNamed()
    {
        var error = await OptionsHost.StartupErrorAsync(b => b.AddPush(), new Dictionary<string, string?>
        {
            ["Push:Enabled"] = "false",
            ["Push:RetryDelay"] = "00:20:00",
            ["Push:MaxRetryDelay"] = "00:10:00",
        });

        Assert.NotNull(error);
        Assert.Contains("Push:RetryDelay", error);
        Assert.Contains("Push:MaxRetryDelay", error);
    }

    [Fact]
    public async Task Startup_LeaseShorterThanOneWeixinCall_IsRefused()
    {
        var error = await OptionsHost.StartupErrorAsync(b => b.AddPush(), new Dictionary<string, string?>
        {
            ["Push:Enabled"] = "false",
            ["Push:LeaseDuration"] = "00:00:05",
        });

        Assert.NotNull(error);
        Assert.Contains("LeaseDuration", error);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public void Registration_WithOrWithoutPolling_RunsOneScheduler(string polling)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Poller:Enabled"] = polling });
        builder.AddInboxPolling();
        builder.AddPush();

        Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Quartz.QuartzHostedService));
    }

    [Fact]
    public void BackoffAfter_Defaults_DoublesFromFiveSecondsUpToTenMinutes()
    {
        var options = new PushOptions();

        var delays = Enumerable.Range(1, 10).Select(n => options.BackoffAfter(n).TotalSeconds);

        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 600, 600, 600], delays);
    }
}
