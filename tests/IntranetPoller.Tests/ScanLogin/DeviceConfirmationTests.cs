using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.ScanLogin;
using Weixin.Inbox.IntranetPoller.Tests.Push;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;
using static Weixin.Inbox.IntranetPoller.Tests.ScanLogin.ScanLoginTests;

namespace Weixin.Inbox.IntranetPoller.Tests.ScanLogin;

/// <summary>
/// Number confirmation on a device new to a known WeChat user (<c>POST /gateway/v1/device-confirmations</c>) over
/// the signed gateway, with the number going through the real message pipeline over a real gateway database.
/// </summary>
public class DeviceConfirmationTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task RightNumberInSafeMode_Confirms_AndTheTicketRedeemsAsThatUser()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);

        var created = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));

        Assert.Equal(ScanLoginStates.Scanned, created.State);
        var code = int.Parse(created.ConfirmCode!, CultureInfo.InvariantCulture);
        Assert.InRange(code, 10, 99);
        Assert.InRange(created.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(100), DateTimeOffset.UtcNow.AddSeconds(121));
        Assert.Null(created.Ticket);
        var row = await host.RowAsync(created.Id);
        Assert.Equal(ScanLoginKinds.Device, row.Kind);
        Assert.Equal(openId, row.OpenId);
        Assert.Equal(code, row.ConfirmCode);
        Assert.False(ScanLoginStore.IsSceneShaped(row.Scene));
        Assert.Null(row.ScanItemId);

        // Polled like a scan login: a long poll started before the number returns with the change.
        var polling = host.Gateway.GetScanLoginAsync(created.Id, wait: 20);
        Assert.Equal(ScanConfirmHandler.DeviceConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, created.ConfirmCode!, NewMsgId()))));
        var confirmed = await polling;
        Assert.Equal(ScanLoginStates.Confirmed, confirmed.State);
        Assert.NotNull(confirmed.Ticket);
        Assert.Null((await host.Gateway.GetScanLoginAsync(created.Id)).Ticket);

        var redeemed = await host.Gateway.RedeemAsync(created.Id, new RedeemTicketRequest(confirmed.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
    }

    [Fact]
    public async Task ItsSceneCannotBeScanned_AScanEventNamingItIsNotALoginScan()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);
        var created = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));
        var scene = (await host.RowAsync(created.Id)).Scene;
        var other = NewOpenId();

        // Note: not our scene's shape, so the scan handler leaves it to the others; the row stays the user's.
        Assert.NotEqual(QrScanHandler.UsedReply, await host.ReplyAsync(SafeItem(Event(other, "SCAN", scene))));
        var row = await host.RowAsync(created.Id);
        Assert.Equal(openId, row.OpenId);
        Assert.Equal(ScanLoginStates.Scanned, row.State);
    }

    [Fact]
    public async Task WrongNumberThreeTimes_Cancels()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);
        var created = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));
        var wrong = created.ConfirmCode == "10" ? "11" : "10";

        Assert.Equal(ScanConfirmHandler.WrongReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));
        Assert.Equal(ScanConfirmHandler.WrongReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));
        Assert.Equal(ScanConfirmHandler.DeviceCancelledReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));

        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(created.Id)).State);
        Assert.NotEqual(ScanConfirmHandler.DeviceConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, created.ConfirmCode!, NewMsgId()))));
        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(created.Id)).State);
    }

    [Fact]
    public async Task PlaintextNumber_WithEncodingAesKeyConfigured_DoesNotConfirm()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);
        var created = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));

        Assert.Equal(ScanConfirmHandler.PlaintextReply, await host.ReplyAsync(Plain(Text(openId, created.ConfirmCode!, NewMsgId()))));

        var status = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Scanned, status.State);
        Assert.Null(status.Ticket);
        Assert.Equal(0, (await host.RowAsync(created.Id)).WrongAttempts);
    }

    [Fact]
    public async Task NewerConfirmation_CancelsTheUsersOlderOnes_AndOnlyItsNumberConfirms()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);
        var someoneElse = await KnownUserAsync(host);
        var (scanId, _, _) = await host.ScannedAsync();
        var othersLogin = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(someoneElse, ReturnUrl));
        var older = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));
        // The user scanned a QR code too: the newest confirmation supersedes that as well.
        await using (var db = fixture.Database.CreateContext())
        {
            await db.ScanLogins.Where(l => l.Id == scanId).ExecuteUpdateAsync(s => s.SetProperty(l => l.OpenId, openId));
        }

        var newer = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));

        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(older.Id)).State);
        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(scanId)).State);
        Assert.Equal(ScanLoginStates.Scanned, (await host.Gateway.GetScanLoginAsync(newer.Id)).State);
        // Another user's confirmation is not touched.
        Assert.Equal(ScanLoginStates.Scanned, (await host.Gateway.GetScanLoginAsync(othersLogin.Id)).State);

        Assert.Equal(ScanConfirmHandler.DeviceConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, newer.ConfirmCode!, NewMsgId()))));
        Assert.Equal(ScanLoginStates.Confirmed, (await host.Gateway.GetScanLoginAsync(newer.Id)).State);
        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(older.Id)).State);
    }

    [Fact]
    public async Task ConfirmationWindowOfTwoMinutes_AfterItTheNumberDoesNotConfirm_AndTheStateIsExpired()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);
        var created = await host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl));
        var stored = await host.RowAsync(created.Id);
        Assert.Equal(ScanLoginStore.ConfirmWindow, stored.ExpiresAt - stored.ScannedAt!.Value);

        // Note: the same time control as the scan-login tests: the row's clock moved back past the window.
        var past = DateTimeOffset.UtcNow.AddMinutes(-2).AddSeconds(-1);
        await using (var db = fixture.Database.CreateContext())
        {
            await db.ScanLogins.Where(l => l.Id == created.Id).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.ScannedAt, past)
                .SetProperty(l => l.CreatedAt, past)
                .SetProperty(l => l.ExpiresAt, past + ScanLoginStore.ConfirmWindow));
        }

        Assert.NotEqual(ScanConfirmHandler.DeviceConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, created.ConfirmCode!, NewMsgId()))));

        var status = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Expired, status.State);
        Assert.Null(status.ConfirmCode);
        Assert.Equal(ScanLoginStates.Scanned, (await host.RowAsync(created.Id)).State);
    }

    [Theory]
    [InlineData("o_never_seen_here")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("o_0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task UnknownEmptyOrOverlongOpenId_Is404UnknownUser_AndStoresNothing(string openId)
    {
        await using var host = await ScanHost.StartAsync(fixture);

        var ex = await Assert.ThrowsAnyAsync<ApiException>(() => host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, ReturnUrl)));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        using var problem = JsonDocument.Parse(ex.Content!);
        Assert.Equal(DeviceConfirmationApi.UnknownUser, problem.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        await using var db = fixture.Database.CreateContext();
        Assert.False(await db.ScanLogins.AnyAsync(l => l.OpenId == openId));
    }

    [Fact]
    public async Task ReturnUrlNotAllowed_Is400WithTheScanLoginsCode()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var openId = await KnownUserAsync(host);

        var ex = await Assert.ThrowsAnyAsync<ApiException>(() => host.Gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(openId, "http://evil.example/")));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        using var problem = JsonDocument.Parse(ex.Content!);
        Assert.Equal(GatewayApi.ReturnUrlNotAllowed, problem.RootElement.GetProperty("code").GetString());
        await using var db = fixture.Database.CreateContext();
        Assert.False(await db.ScanLogins.AnyAsync(l => l.OpenId == openId));
    }

    /// <summary>A new WeChat user who followed the account (so the gateway's user directory knows them).</summary>
    private static async Task<string> KnownUserAsync(ScanHost host)
    {
        var openId = NewOpenId();
        await host.ReplyAsync(SafeItem(Event(openId, "subscribe")));
        return openId;
    }
}

/// <summary>The retention job of <c>scan_logins</c>, on a database of its own (so the counts are exact).</summary>
public class ScanLoginRetentionTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task Run_DeletesLoginsExpiredLongerThanMaxAgeAgo_InBatches_AndKeepsTheRest()
    {
        await using var host = await ScanHost.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["ScanLogins:Retention:MaxAge"] = "7.00:00:00",
            ["ScanLogins:Retention:BatchSize"] = "10",
        });
        var now = DateTimeOffset.UtcNow;
        var old = Enumerable.Range(0, 23).Select(i => Row(now.AddDays(-7).AddMinutes(-1 - i), i % 2 == 0 ? ScanLoginKinds.Scan : ScanLoginKinds.Device)).ToList();
        var young = new[] { Row(now.AddDays(-7).AddMinutes(5), ScanLoginKinds.Scan), Row(now.AddDays(-1), ScanLoginKinds.Device), Row(now.AddMinutes(2), ScanLoginKinds.Scan) };
        await using (var db = fixture.Database.CreateContext())
        {
            db.ScanLogins.AddRange(old);
            db.ScanLogins.AddRange(young);
            await db.SaveChangesAsync();
        }

        var deleted = await host.Services.GetRequiredService<ScanLoginRetentionJob>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(old.Count, deleted);
        await using (var db = fixture.Database.CreateContext())
        {
            var oldIds = old.Select(l => l.Id).ToList();
            Assert.False(await db.ScanLogins.AnyAsync(l => oldIds.Contains(l.Id)));
            var youngIds = young.Select(l => l.Id).ToList();
            Assert.Equal(young.Length, await db.ScanLogins.CountAsync(l => youngIds.Contains(l.Id)));
        }

        Assert.Equal(0, await host.Services.GetRequiredService<ScanLoginRetentionJob>().RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RowsWrittenWithoutKind_AreScanLogins()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var id = "pre-kind-" + Guid.NewGuid().ToString("N");
        await using var db = fixture.Database.CreateContext();
        // Note: the insert of a poller from before the kind column (the migration's default fills it in).
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO scan_logins (id, scene, state, return_url, created_at, expires_at, wrong_attempts, correlation_id)
            VALUES ({id}, {ScanLoginStore.NewScene()}, 'waiting', {ReturnUrl}, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 0, 'c')
            """);

        Assert.Equal(ScanLoginKinds.Scan, (await host.RowAsync(id)).Kind);
    }

    private static ScanLoginEntry Row(DateTimeOffset expiresAt, string kind) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Scene = (kind == ScanLoginKinds.Scan ? ScanLoginStore.ScenePrefix : ScanLoginStore.DeviceScenePrefix) + Guid.NewGuid().ToString("N"),
        Kind = kind,
        State = ScanLoginStates.Confirmed,
        ReturnUrl = ReturnUrl,
        CreatedAt = expiresAt.AddMinutes(-5),
        ExpiresAt = expiresAt,
        OpenId = NewOpenId(),
        TicketIssuedAt = expiresAt.AddMinutes(-4),
    };
}
