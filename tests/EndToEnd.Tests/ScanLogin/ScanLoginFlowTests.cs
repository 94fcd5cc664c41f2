using System.Net.Http.Json;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.EndToEnd.Tests.Messages;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.ScanLogin;

/// <summary>
/// Desktop 扫码登录 through the whole system: the gateway creates the QR code at the simulator, the simulated phone
/// scans it, WeChat's event goes through the public inbox to the poller, and the number comes back as a safe-mode
/// message; the LAN side only talks to the signed gateway.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScanLoginFlowTests(MessageFlowFixture fixture) : IClassFixture<MessageFlowFixture>
{
    private LoginSystem System => fixture.System;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Scan_ThenNumberInSafeMode_ConfirmsAndTheTicketNamesTheScanner(bool following)
    {
        var openId = await System.AddWeixinUserAsync("扫码的人");
        if (following)
        {
            await System.SendAsUserAsync(openId, "subscribe", mode: "aes");
        }
        else
        {
            // Note: a new simulator user follows already; this one does not, so the scan makes them follow.
            using var http = new HttpClient { BaseAddress = System.Simulator.BaseAddress };
            using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/conversation", new { following = false });
            response.EnsureSuccessStatusCode();
        }

        var created = await System.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(System.ReturnUrl));
        var waiting = System.Gateway.GetScanLoginAsync(created.Id, wait: 25);

        var scan = await ScanAsync(openId, created.QrContent, "aes");
        Assert.Equal(following ? "SCAN" : "subscribe", scan.GetProperty("event").GetString());
        Assert.Equal("passive", scan.GetProperty("via").GetString());
        Assert.Equal("电脑正在登录客户管理系统，请在电脑上查看两位数字，并在此对话中发送该数字确认登录。", scan.GetProperty("reply").GetString());

        var scanned = await waiting;
        Assert.Equal(ScanLoginStates.Scanned, scanned.State);
        Assert.NotNull(scanned.ConfirmCode);

        var confirm = await System.SendAsUserAsync(openId, "text", scanned.ConfirmCode, mode: "aes");
        Assert.Equal("已确认，电脑将自动登录", confirm.Reply);

        var confirmed = await System.Gateway.GetScanLoginAsync(created.Id, wait: 10);
        Assert.Equal(ScanLoginStates.Confirmed, confirmed.State);
        var redeemed = await System.Gateway.RedeemAsync(created.Id, new RedeemTicketRequest(confirmed.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);

        // The scene is used once: a second scan, by anyone, is refused and changes nothing.
        var other = await System.AddWeixinUserAsync("第二个人");
        var again = await ScanAsync(other, created.QrContent, "aes");
        Assert.Equal("该二维码已被使用", again.GetProperty("reply").GetString());
        Assert.Equal(ScanLoginStates.Confirmed, (await System.Gateway.GetScanLoginAsync(created.Id)).State);
    }

    [Fact]
    public async Task NumberInPlaintextMode_IsNotAcceptedWhileSafeModeIsConfigured()
    {
        var openId = await System.AddWeixinUserAsync("明文确认");
        var created = await System.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(System.ReturnUrl));
        await ScanAsync(openId, created.QrContent, "plain");
        var scanned = await System.Gateway.GetScanLoginAsync(created.Id, wait: 10);
        Assert.Equal(ScanLoginStates.Scanned, scanned.State);

        var confirm = await System.SendAsUserAsync(openId, "text", scanned.ConfirmCode, mode: "plain");

        Assert.StartsWith("为保证安全，登录确认只接受安全模式", confirm.Reply, StringComparison.Ordinal);
        Assert.Equal(ScanLoginStates.Scanned, (await System.Gateway.GetScanLoginAsync(created.Id)).State);
    }

    private async Task<JsonElement> ScanAsync(string openId, string url, string mode)
    {
        using var http = new HttpClient { BaseAddress = System.Simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/scan", new { url, mode });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the simulator refused the scan ({(int)response.StatusCode}): {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
