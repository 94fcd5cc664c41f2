using System.Net;
using System.Text.Json;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.EndToEnd.Tests.Messages;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.ScanLogin;

/// <summary>
/// Number confirmation on a device new to a known WeChat user, through the whole system: the LAN side asks the signed
/// gateway, the simulated user sends the number as a safe-mode message through WeChat, the public inbox and the
/// poller, and the ticket of the confirmation names that user.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DeviceConfirmationFlowTests(MessageFlowFixture fixture) : IClassFixture<MessageFlowFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task NumberInSafeMode_ConfirmsAndTheTicketNamesTheUser_AndNothingIsSentToThePhoneFirst()
    {
        var openId = await System.AddWeixinUserAsync("新设备");
        // Note: the follow puts the user into the gateway's directory, as a login or any message would.
        await System.SendAsUserAsync(openId, "subscribe", mode: "aes");
        var receivedBefore = (await System.ReceivedByAsync(openId)).Count;

        var created = await System.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, System.ReturnUrl));

        Assert.Equal(ScanLoginStates.Scanned, created.State);
        Assert.NotNull(created.ConfirmCode);
        // The user reads the number on the LAN page; the gateway sends them nothing.
        Assert.Equal(receivedBefore, (await System.ReceivedByAsync(openId)).Count);

        var waiting = System.Gateway.GetScanLoginAsync(created.Id, wait: 25);
        var confirm = await System.SendAsUserAsync(openId, "text", created.ConfirmCode, mode: "aes");
        Assert.Equal("已确认，该设备将自动登录", confirm.Reply);

        var confirmed = await waiting;
        if (confirmed.State == ScanLoginStates.Scanned)
        {
            confirmed = await System.Gateway.GetScanLoginAsync(created.Id, wait: 10);
        }

        Assert.Equal(ScanLoginStates.Confirmed, confirmed.State);
        var redeemed = await System.Gateway.RedeemAsync(created.Id, new RedeemTicketRequest(confirmed.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
    }

    [Fact]
    public async Task NumberInPlaintextMode_DoesNotConfirm()
    {
        var openId = await System.AddWeixinUserAsync("明文新设备");
        await System.SendAsUserAsync(openId, "subscribe", mode: "aes");
        var created = await System.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, System.ReturnUrl));

        var confirm = await System.SendAsUserAsync(openId, "text", created.ConfirmCode, mode: "plain");

        Assert.StartsWith("为保证安全，登录确认只接受安全模式", confirm.Reply, StringComparison.Ordinal);
        Assert.Equal(ScanLoginStates.Scanned, (await System.Gateway.GetScanLoginAsync(created.Id)).State);
    }

    [Fact]
    public async Task UserTheGatewayNeverSaw_Is404UnknownUser()
    {
        var openId = await System.AddWeixinUserAsync("没见过的人");

        var ex = await Assert.ThrowsAnyAsync<ApiException>(() => System.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, System.ReturnUrl)));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        using var problem = JsonDocument.Parse(ex.Content!);
        Assert.Equal("unknown_user", problem.RootElement.GetProperty("code").GetString());
    }
}
