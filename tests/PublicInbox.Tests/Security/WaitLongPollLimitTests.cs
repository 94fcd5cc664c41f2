using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 5: one long-poll of the waiting page at a time per wait cookie (<c>RateLimits:WaitPerCookie</c>). A second
/// concurrent long-poll with the same cookie gets 429 with <c>Retry-After</c> at once instead of holding another
/// database-reading loop; a single poll, short polls beside it and a reload (the browser drops the old request) keep
/// working. Real inbox process, MariaDB, plain HTTP as the page's script sends it.
/// </summary>
public sealed class WaitLongPollLimitTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private AdminInbox Inbox => fixture.Inbox;

    [Fact]
    public async Task SecondConcurrentLongPoll_WithTheSameCookie_Gets429WithRetryAfter_AndTheFirstIsStillAnswered()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;
        var first = await HeldLongPollAsync(browser, id);

        using var second = await browser.GetAsync($"/wx/wait/{id}/status?known=queued");

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), second.Headers.RetryAfter?.Delta);
        Assert.Equal("no-store", second.Headers.CacheControl?.ToString());
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("请求过于频繁", problem.GetProperty("title").GetString());
        Assert.Equal("请在 2 秒后重试。", problem.GetProperty("detail").GetString());
        await ClaimAsync(id);
        using var answered = await first;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("processing", await StateAsync(answered));
    }

    [Fact]
    public async Task SingleLongPoll_IsHeldAndAnswered_WhileShortPollsAnswerBesideIt()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;
        var held = await HeldLongPollAsync(browser, id);

        using (var shortPoll = await browser.GetAsync($"/wx/wait/{id}/status"))
        {
            Assert.Equal(HttpStatusCode.OK, shortPoll.StatusCode);
            Assert.Equal("queued", await StateAsync(shortPoll));
        }

        Assert.False(held.IsCompleted);
        await ClaimAsync(id);
        using var answered = await held;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("processing", await StateAsync(answered));
        using var next = await browser.GetAsync($"/wx/wait/{id}/status?known=queued");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("processing", await StateAsync(next));
    }

    [Fact]
    public async Task Reload_DropsTheOldLongPoll_AndTheReloadedPageIsServed()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;
        using var abortOld = new CancellationTokenSource();
        var old = await HeldLongPollAsync(browser, id, abortOld.Token);

        // The user reloads: the browser drops the old page's request. The reloaded page's first request may still
        // reach the server before it noticed; then the page waits Retry-After, as its script does, once at most.
        await abortOld.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => old);
        var waits = 0;
        while (true)
        {
            using var status = await browser.GetAsync($"/wx/wait/{id}/status?known=loading");
            if (status.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("queued", await StateAsync(status));
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, status.StatusCode);
            Assert.True(++waits <= 1, "the reloaded page was refused again although the browser had dropped the old request");
            await Task.Delay(status.Headers.RetryAfter!.Delta!.Value);
        }

        var reloaded = await HeldLongPollAsync(browser, id);
        await ClaimAsync(id);
        using var answered = await reloaded;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("processing", await StateAsync(answered));
    }

    [Fact]
    public async Task LongPollsWithoutTheCookie_AreRefusedWith403_AndDoNotDisturbTheOwner()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;
        using var stranger = new HttpClient { BaseAddress = Inbox.BaseAddress };
        var held = await HeldLongPollAsync(browser, id);

        var strangers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => stranger.GetAsync($"/wx/wait/{id}/status?known=queued")));

        Assert.All(strangers, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.False(held.IsCompleted);
        await ClaimAsync(id);
        using var answered = await held;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        foreach (var response in strangers)
        {
            response.Dispose();
        }
    }

    /// <summary>
    /// Starts a long-poll of <paramref name="id"/> (the state is <c>queued</c>) and returns it once the server holds it.
    /// Note: a probe whose <c>known</c> differs from the state is answered at once, and refused (429) only while another
    /// long-poll holds the cookie's one place; when the probe got there first, the long-poll itself was refused and is
    /// sent again.
    /// </summary>
    private static async Task<Task<HttpResponseMessage>> HeldLongPollAsync(HttpClient browser, long id, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var poll = browser.GetAsync($"/wx/wait/{id}/status?known=queued", cancellationToken);
            for (var i = 0; i < 100 && !poll.IsCompleted; i++)
            {
                using var probe = await browser.GetAsync($"/wx/wait/{id}/status?known=probe", CancellationToken.None); // Note: only the long-poll is dropped by a reload.
                if (probe.StatusCode == HttpStatusCode.TooManyRequests && !poll.IsCompleted)
                {
                    return poll;
                }

                await Task.Delay(50, CancellationToken.None);
            }

            using var refused = await poll;
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        Assert.Fail("the long-poll was never held by the inbox");
        return null!;
    }

    private async Task ClaimAsync(long id) =>
        Assert.Contains((await Inbox.ClaimAsync("poller-limits", [InboxItemKinds.OAuth])).Items, i => i.Id == id);

    private static async Task<string?> StateAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString();

    private static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
