using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Tests.Admin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 5, in Chromium: the same 「正在登录…」 page open in two tabs of one browser (one wait cookie). Only one
/// long-poll is held at a time, so the other tab gets 429; its script must wait Retry-After and go on long-polling with
/// the state it knows, without an error, and both tabs must still show the result.
/// </summary>
public sealed class WaitPageRetryBrowserTests
{
    [Fact]
    public async Task TwoTabsOfOneLogin_OneIsTold429_BothKeepWaitingWithoutAnErrorAndShowTheResult()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-wait-tabs");
        await using var chromium = await Chromium.LaunchAsync();
        var first = await chromium.NewPhoneAsync();
        first.SetDefaultTimeout(90_000); // Note: the suite shares two cores with several service processes.
        var statuses = new ConcurrentQueue<(IPage Page, string Url, int Status)>();
        first.Response += (_, r) => Record(first, r);

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        // Note: the inbox stores callbacks only for states the poller announced (item 4), so announce it as the gateway does.
        await StateAnnouncements.AnnounceAsync(inbox.Poller, $"st{code}");
        await first.GotoAsync(new Uri(inbox.BaseAddress, $"/wx/oauth/callback?code={code}&state=st{code}").ToString());
        await first.WaitForURLAsync("**/wx/wait/*");
        var id = long.Parse(new Uri(first.Url).AbsolutePath["/wx/wait/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var second = await first.Context.NewPageAsync();
        second.SetDefaultTimeout(90_000);
        second.Response += (_, r) => Record(second, r);
        await second.GotoAsync(first.Url);

        // Both tabs long-poll with one cookie: one of them is refused (429) until the other's poll ends.
        for (var i = 0; i < 600 && !statuses.Any(s => s.Status == 429); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(statuses, s => s.Status == 429);
        foreach (var page in new[] { first, second })
        {
            Assert.DoesNotContain("网络不稳定", await page.InnerTextAsync("#message"));
            Assert.Equal("正在登录…", await page.InnerTextAsync("#title"));
        }

        var claimed = Assert.Single((await inbox.ClaimAsync("poller-tabs", [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        await inbox.FailAsync(id, new FailRequest(claimed.LeaseId, "test: the login failed", Retry: false));

        foreach (var page in new[] { first, second })
        {
            await page.WaitForFunctionAsync("() => document.getElementById('title').textContent === '登录失败'");
        }

        // Note: after a 429 the page asks again with the state it knows (a long-poll), not from scratch.
        foreach (var page in new[] { first, second })
        {
            var polls = statuses.Where(s => s.Page == page).ToList();
            for (var i = 0; i + 1 < polls.Count; i++)
            {
                if (polls[i].Status == 429)
                {
                    Assert.Contains("known=queued", polls[i + 1].Url, StringComparison.Ordinal);
                }
            }
        }

        await Chromium.ScreenshotAsync(second, "wait-two-tabs-failed");

        void Record(IPage page, IResponse response)
        {
            if (response.Url.Contains($"/status", StringComparison.Ordinal))
            {
                statuses.Enqueue((page, response.Url, response.Status));
            }
        }
    }
}
