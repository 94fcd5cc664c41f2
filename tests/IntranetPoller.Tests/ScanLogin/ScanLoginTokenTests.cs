using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Tests.Push;

namespace Weixin.Inbox.IntranetPoller.Tests.ScanLogin;

/// <summary>qrcode/create with a stored access_token WeChat no longer accepts: refreshed once, and the login still starts.</summary>
public class ScanLoginTokenTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task Create_StoredTokenRejected_RefreshesItAndCreatesTheQrCode()
    {
        await using var host = await ScanLoginTests.ScanHost.StartAsync(fixture);
        await fixture.StoreRejectedTokenAsync();
        var forcedBefore = await fixture.ForcedRefreshesAsync();

        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ScanLoginTests.ReturnUrl));

        Assert.StartsWith(fixture.SimulatorAddress.ToString().TrimEnd('/') + "/q/", created.QrContent, StringComparison.Ordinal);
        Assert.Equal(ScanLoginStates.Waiting, (await host.Gateway.GetScanLoginAsync(created.Id)).State);
        Assert.Equal(1, await fixture.ForcedRefreshesAsync() - forcedBefore);
        Assert.True((await fixture.StatsAsync()).GetProperty("errors").TryGetProperty("40001", out _));
    }
}
