using Microsoft.Extensions.Configuration;
using Weixin.Inbox.IntranetPoller.Menu;
using Weixin.Inbox.IntranetPoller.Tests.Push;

namespace Weixin.Inbox.IntranetPoller.Tests.Menu;

/// <summary><c>IntranetPoller menu create|show</c> against the WeChat simulator, with the gateway's shared token.</summary>
public class MenuCommandTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task Create_WithCrmUrl_GivesTheAccountTheCrmAndMyCustomersButtons()
    {
        var (created, createOut, createErr) = await RunAsync("create", "--crm-url", "http://127.0.0.1:5300");
        var (shown, showOut, _) = await RunAsync("show");

        Assert.True(created == 0, createErr);
        Assert.Contains("http://127.0.0.1:5300/login/weixin", createOut);
        Assert.Equal(0, shown);
        Assert.Contains("\"进入CRM\"", showOut);
        Assert.Contains("\"http://127.0.0.1:5300/login/weixin\"", showOut);
        Assert.Contains("\"我的客户\"", showOut);
        Assert.Contains($"\"{MenuCommand.MyCustomersKey}\"", showOut);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("create", "--crm-url", "crm.local/login")]
    [InlineData("delete")]
    public async Task Run_BadArguments_IsAUsageError(params string[] args)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(MenuCommand.UsageError, exit);
        Assert.Contains("Usage:", error);
    }

    [Fact]
    public async Task Create_WrongAppSecret_FailsWithWeChatsReason()
    {
        // Note: a database of its own: no token stored yet, so one must be fetched with the wrong secret.
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        var (exit, _, error) = await RunAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gateway"] = database.Database.ServiceConnectionString,
            ["Weixin:AppSecret"] = "not_the_secret",
        }, "create", "--crm-url", "http://127.0.0.1:5300");

        Assert.Equal(MenuCommand.Failed, exit);
        Assert.Contains("40125", error);
    }

    [Fact]
    public async Task Create_StoredTokenRejected_RefreshesItAndCreatesTheMenu()
    {
        await fixture.StoreRejectedTokenAsync();
        var forcedBefore = await fixture.ForcedRefreshesAsync();

        var (created, _, createErr) = await RunAsync("create", "--crm-url", "http://127.0.0.1:5301");
        var (_, showOut, _) = await RunAsync("show");

        Assert.True(created == 0, createErr);
        Assert.Contains("\"http://127.0.0.1:5301/login/weixin\"", showOut);
        Assert.Equal(1, await fixture.ForcedRefreshesAsync() - forcedBefore);
        Assert.True((await fixture.StatsAsync()).GetProperty("errors").TryGetProperty("40001", out _));
    }

    private Task<(int Exit, string Out, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    private async Task<(int Exit, string Out, string Error)> RunAsync(IDictionary<string, string?>? overrides, params string[] args)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gateway"] = fixture.Database.Database.ServiceConnectionString,
            ["Weixin:AppId"] = SimulatorFixture.AppId,
            ["Weixin:AppSecret"] = SimulatorFixture.AppSecret,
            ["Weixin:ApiBaseUrl"] = fixture.SimulatorAddress.ToString(),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await MenuCommand.RunAsync(args, configuration, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
