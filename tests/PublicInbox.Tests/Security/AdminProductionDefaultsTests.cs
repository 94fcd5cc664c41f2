using System.Net;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 7: in Production, an inbox with admins but no <c>Admin:AllowedNetworks</c> does not start (a clear
/// error naming the setting) unless <c>Admin:AllowAnyNetwork=true</c> says so on purpose. Real inbox process.
/// </summary>
public sealed class AdminProductionDefaultsTests
{
    // Note: Production also requires an https Inbox:PublicBaseUrl (issue 15's start-up checks); nginx would terminate TLS.
    private static readonly Dictionary<string, string?> Production = new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Inbox__PublicBaseUrl"] = "https://wx.example.com",
    };

    [Fact]
    public async Task Production_WithoutAllowedNetworks_DoesNotStart_AndSaysWhichSetting()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => AdminInbox.StartAsync("inbox-prod-open", Production));

        Assert.Contains("Admin:AllowedNetworks", failure.Message);
        Assert.Contains("Admin:AllowAnyNetwork=true", failure.Message);
    }

    [Fact]
    public async Task Production_WithAllowedNetworks_StartsAndRefusesOtherNetworks()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-prod-networks",
            new Dictionary<string, string?>(Production) { ["Admin__AllowedNetworks__0"] = "10.0.0.0/8" });
        using var client = inbox.NewClient();

        using var login = await client.GetAsync("/admin/login");

        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
    }

    [Fact]
    public async Task Production_WithAllowAnyNetworkOnPurpose_Starts()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-prod-any",
            new Dictionary<string, string?>(Production) { ["Admin__AllowAnyNetwork"] = "true" });
        using var client = inbox.NewClient();

        using var login = await client.GetAsync("/admin/login");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }
}
