using System.Text.Json;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 8: the one-time login ticket in a completed login's redirect URL leaves <c>inbox_items</c> once the
/// waiting page handed it to the browser, or once it expired unused; neither the row nor the admin pages hold it
/// afterwards, and a second status request (reload, another tab) does not get it again. Real inbox process, MariaDB.
/// </summary>
public sealed class TicketUrlClearingTests
{
    private const string Ticket = "TKT7f3a9c1e5b2d4680";

    [Fact]
    public async Task AfterTheBrowserFollowed_TheRowHoldsNoTicket_AndNobodyGetsItAgain()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ticket-followed");
        var (id, browser) = await inbox.OAuthCallbackAsync("CODEfollowed01", "STfollowed01");
        var claimed = Assert.Single((await inbox.ClaimAsync("poller-a", [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        await inbox.CompleteAsync(id, new CompleteRequest(claimed.LeaseId, AdminInbox.AppPrefix + "login/weixin/done?ticket=" + Ticket, "ticket_issued"));

        var first = await StatusAsync(browser, id);
        var again = await StatusAsync(browser, id);
        var row = Assert.Single(await inbox.QueryAsync("SELECT redirect_url, redirected_at FROM inbox_items WHERE id = @id", ("@id", id)));
        using var admin = await inbox.SignedInAsync();
        var page = await admin.GetPageAsync($"/admin/items/{id}");

        Assert.Equal("done", first.GetProperty("state").GetString());
        Assert.Equal(AdminInbox.AppPrefix + "login/weixin/done?ticket=" + Ticket, first.GetProperty("redirectUrl").GetString());
        Assert.NotNull(row["redirected_at"]);
        Assert.Equal(AdminInbox.AppPrefix + "login/weixin/done?ticket=", row["redirect_url"]);
        Assert.NotEqual("done", again.GetProperty("state").GetString());
        Assert.DoesNotContain(Ticket, again.GetRawText());
        Assert.DoesNotContain(Ticket[..4], page);
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_item_events WHERE detail LIKE @t", ("@t", "%" + Ticket + "%")));
        browser.Dispose();
    }

    [Fact]
    public async Task WhenNoBrowserCame_TheTicketIsClearedOnceItExpired()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ticket-expired", new Dictionary<string, string?>
        {
            ["Inbox__LoginTimeout"] = "00:00:05",
            ["Inbox__LeaseDuration"] = "00:00:02",
            ["Inbox__SweepInterval"] = "00:00:01",
            ["Inbox__TicketUrlLifetime"] = "00:00:01",
        });
        var (id, browser) = await inbox.OAuthCallbackAsync("CODEexpired01", "STexpired01");
        browser.Dispose();
        var claimed = Assert.Single((await inbox.ClaimAsync("poller-a", [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        await inbox.CompleteAsync(id, new CompleteRequest(claimed.LeaseId, AdminInbox.AppPrefix + "login/weixin/done?ticket=" + Ticket, "ticket_issued"));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? url;
        do
        {
            await Task.Delay(500);
            url = (string?)Assert.Single(await inbox.QueryAsync("SELECT redirect_url FROM inbox_items WHERE id = @id", ("@id", id)))["redirect_url"];
        }
        while (url!.Contains(Ticket, StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Equal(AdminInbox.AppPrefix + "login/weixin/done?ticket=", url);
        Assert.Single(await inbox.QueryAsync("SELECT id FROM inbox_item_events WHERE item_id = @id AND type = 'ticket_cleared'", ("@id", id)));
    }

    private static async Task<JsonElement> StatusAsync(HttpClient browser, long id)
    {
        using var response = await browser.GetAsync($"/wx/wait/{id}/status");
        return JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
    }
}
