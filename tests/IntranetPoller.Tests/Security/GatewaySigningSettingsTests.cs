using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Security;

/// <summary>
/// Issue 13 item 12, at start-up: the gateway refuses settings that would let one LAN app pass as another (the old
/// shared <c>GatewaySigning:Keys</c>, a key of two clients) or let a client key sign the CRM's message hook.
/// </summary>
public class GatewaySigningSettingsTests
{
    private const string CrmKey = "crm-client-key-0123456789abcdef0123";
    private const string OtherKey = "other-client-key-0123456789abcdef01";
    private const string HookKey = "crm-hook-key-0123456789abcdef012345";

    private static readonly Action<IHostApplicationBuilder> Register = builder =>
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddGatewayData();
        builder.AddWeixinApi();
        builder.AddGateway();
        builder.AddMessages();
    };

    [Fact]
    public async Task Start_OldSharedKeys_FailsNamingTheNewSettings()
    {
        var error = await StartupErrorAsync(Settings(("GatewaySigning:Keys:0", CrmKey)));

        Assert.NotNull(error);
        Assert.Contains("GatewaySigning:Keys is no longer read", error, StringComparison.Ordinal);
        Assert.Contains("GatewaySigning:Clients:0:Id", error, StringComparison.Ordinal);
        Assert.Contains("CrmHook:SigningKeys:0", error, StringComparison.Ordinal);
        Assert.DoesNotContain(CrmKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OneKeyForTwoClients_Fails()
    {
        var error = await StartupErrorAsync(Settings(
            ("GatewaySigning:Clients:0:Id", "crm"), ("GatewaySigning:Clients:0:Keys:0", CrmKey),
            ("GatewaySigning:Clients:1:Id", "intranet-b"), ("GatewaySigning:Clients:1:Keys:0", CrmKey)));

        Assert.NotNull(error);
        Assert.Contains("GatewaySigning:Clients:1:Keys", error, StringComparison.Ordinal);
        Assert.DoesNotContain(CrmKey, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Crm", "GatewaySigning:Clients:0:Id")]
    [InlineData("crm.app", "GatewaySigning:Clients:0:Id")]
    [InlineData("", "GatewaySigning:Clients:0:Id")]
    public async Task Start_MalformedClientId_FailsNamingIt(string id, string named)
    {
        var error = await StartupErrorAsync(Settings(
            ("GatewaySigning:Clients:0:Id", id), ("GatewaySigning:Clients:0:Keys:0", CrmKey)));

        Assert.NotNull(error);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_HookKeyIsAClientKey_Fails()
    {
        var error = await StartupErrorAsync(Settings(
            ("GatewaySigning:Clients:0:Id", "crm"), ("GatewaySigning:Clients:0:Keys:0", OtherKey), ("GatewaySigning:Clients:0:Keys:1", CrmKey),
            ("CrmHook:BaseUrl", "http://127.0.0.1:5300"), ("CrmHook:SigningKeys:0", CrmKey)));

        Assert.NotNull(error);
        Assert.Contains("CrmHook:SigningKeys", error, StringComparison.Ordinal);
        Assert.DoesNotContain(CrmKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_HookWithoutItsKey_FailsNamingIt()
    {
        var error = await StartupErrorAsync(Settings(
            ("GatewaySigning:Clients:0:Id", "crm"), ("GatewaySigning:Clients:0:Keys:0", CrmKey), ("CrmHook:BaseUrl", "http://127.0.0.1:5300")));

        Assert.NotNull(error);
        Assert.Contains("CrmHook:SigningKeys:0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_ClientsAndAHookKeyOfItsOwn_AreValid()
    {
        var settings = Settings(
            ("GatewaySigning:Clients:0:Id", "crm"), ("GatewaySigning:Clients:0:Keys:0", CrmKey),
            ("GatewaySigning:Clients:1:Id", "intranet-b"), ("GatewaySigning:Clients:1:Keys:0", OtherKey),
            ("CrmHook:BaseUrl", "http://127.0.0.1:5300"), ("CrmHook:SigningKeys:0", HookKey));

        Assert.Null(OptionsHost.ValueError<CrmHookOptions>(Register, settings));
    }

    /// <summary>
    /// The start-up error, or null. Note: a hook-key check reads the gateway's client options, so one bad setting may
    /// surface as several validation failures in one AggregateException; its message lists them all.
    /// </summary>
    private static async Task<string?> StartupErrorAsync(IDictionary<string, string?> settings)
    {
        try
        {
            return await OptionsHost.StartupErrorAsync(Register, settings);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is Microsoft.Extensions.Options.OptionsValidationException))
        {
            return ex.Message;
        }
    }

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gateway"] = "Server=127.0.0.1;Port=9;Database=none;User ID=none;Password=none",
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
}
