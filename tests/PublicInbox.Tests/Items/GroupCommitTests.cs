using System.Globalization;
using System.Net;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Tests.Admin;
using Weixin.Inbox.PublicInbox.Waiting;
using static Weixin.Inbox.PublicInbox.Tests.Security.AnnouncedStateTests;

namespace Weixin.Inbox.PublicInbox.Tests.Items;

/// <summary>
/// Issue 14 item 2: parallel OAuth callbacks are stored together (one transaction per batch, <c>ItemIngest</c>), yet each
/// is decided and answered on its own, only after its row is committed. Real inbox process on MariaDB, a burst of
/// browsers at once so that batches form.
/// </summary>
public sealed class GroupCommitTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private AdminInbox Inbox => fixture.Inbox;

    [Fact]
    public async Task ManyParallelCallbacks_WithDistinctStates_AreAllStored_EachWithItsOwnItemAndCookie()
    {
        var states = Enumerable.Range(0, 120).Select(_ => NewState()).ToList();
        await Task.WhenAll(states.Select(s => Inbox.AnnounceStateAsync(s)));

        var answers = await Task.WhenAll(states.Select(CallbackAsync));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.SeeOther, a.Status));
        Assert.Equal(states.Count, answers.Select(a => a.ItemId).Distinct().Count());
        foreach (var answer in answers)
        {
            // Note: the 303 came after the commit, so the row is there the moment the answer is: with this state, the
            // cookie handed to this browser, and its received event.
            var row = Assert.Single(await Inbox.QueryAsync(
                "SELECT oauth_state, cookie_hash, status, (SELECT COUNT(*) FROM inbox_item_events e WHERE e.item_id = i.id AND e.type = 'received') AS received FROM inbox_items i WHERE id = @id",
                ("@id", answer.ItemId)));
            Assert.Equal(answer.State, row["oauth_state"]);
            Assert.Equal(WaitCookie.Hash(answer.Cookie!), row["cookie_hash"]);
            Assert.Equal(InboxItemStatuses.Pending, row["status"]);
            Assert.Equal(1L, Convert.ToInt64(row["received"], CultureInfo.InvariantCulture));
        }

        Assert.Equal(0, await UnusedAsync(states));
    }

    [Fact]
    public async Task TwoCallbacksWithOneState_InABurst_YieldOneItem_AndTheOtherIs409()
    {
        var others = Enumerable.Range(0, 30).Select(_ => NewState()).ToList();
        var twice = NewState();
        await Task.WhenAll(others.Append(twice).Select(s => Inbox.AnnounceStateAsync(s)));

        // Note: the same state sits in the middle of the burst, so both copies usually land in one batch (first wins
        // there); in two batches the second waits for the first's row lock and finds it used. Both must hold.
        var burst = others.Take(15).Append(twice).Append(twice).Concat(others.Skip(15)).ToList();
        var answers = await Task.WhenAll(burst.Select(CallbackAsync));

        var same = answers.Where(a => a.State == twice).ToList();
        Assert.Single(same, a => a.Status == HttpStatusCode.SeeOther);
        Assert.Single(same, a => a.Status == HttpStatusCode.Conflict);
        Assert.All(answers.Where(a => a.State != twice), a => Assert.Equal(HttpStatusCode.SeeOther, a.Status));
        Assert.Equal(1, await RowsAsync(twice));
    }

    [Fact]
    public async Task UnknownAndExpiredStates_InABurstOfGoodOnes_AreRefused_AndTheGoodOnesStored()
    {
        var good = Enumerable.Range(0, 30).Select(_ => NewState()).ToList();
        var expired = NewState();
        await Task.WhenAll(good.Select(s => Inbox.AnnounceStateAsync(s)));
        await Inbox.AnnounceStateAsync(expired, TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var unknown = new[] { NewState(), NewState() };

        var burst = good.Take(10).Append(unknown[0]).Concat(good.Skip(10).Take(10)).Append(expired).Append(unknown[1]).Concat(good.Skip(20)).ToList();
        var answers = await Task.WhenAll(burst.Select(CallbackAsync));

        Assert.All(answers.Where(a => good.Contains(a.State)), a => Assert.Equal(HttpStatusCode.SeeOther, a.Status));
        Assert.All(answers.Where(a => !good.Contains(a.State)), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.Status);
            Assert.Contains("登录链接已失效", a.Html, StringComparison.Ordinal);
            Assert.Null(a.Cookie);
        });
        Assert.Equal(0, await RowsAsync(unknown[0]) + await RowsAsync(unknown[1]) + await RowsAsync(expired));
        Assert.Equal(0, await UnusedAsync(good));
    }

    [Fact]
    public async Task ABatchThatFailsInTheDatabase_Answers503ToAllOfIt_AndStoresNoneOfIt()
    {
        var states = Enumerable.Range(0, 40).Select(_ => NewState()).ToList();
        await Task.WhenAll(states.Select(s => Inbox.AnnounceStateAsync(s)));
        var poisoned = states[20];
        // Note: the database refuses one row of the multi-row INSERT (as a full disk or a lost connection would refuse
        // the statement): its whole batch must roll back, states included, and every callback in it be told 503.
        await Inbox.Database.ExecuteAsync($"""
            CREATE TRIGGER group_commit_test_fail BEFORE INSERT ON inbox_items FOR EACH ROW
            IF NEW.oauth_state = '{poisoned}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'test: refused row'; END IF
            """);
        List<Answer> answers;
        try
        {
            answers = [.. await Task.WhenAll(states.Select(CallbackAsync))];
        }
        finally
        {
            await Inbox.Database.ExecuteAsync("DROP TRIGGER group_commit_test_fail");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answers.Single(a => a.State == poisoned).Status);
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.SeeOther, HttpStatusCode.ServiceUnavailable }));
        foreach (var answer in answers)
        {
            var stored = await RowsAsync(answer.State);
            var used = Assert.Single(await Inbox.QueryAsync("SELECT used_at FROM oauth_states WHERE state_hash = @h", ("@h", OAuthStateHash.Bytes(answer.State))))["used_at"];
            if (answer.Status == HttpStatusCode.SeeOther)
            {
                Assert.Equal(1, stored);
                Assert.NotNull(used);
            }
            else
            {
                Assert.Equal(0, stored);
                Assert.Null(used);
                Assert.Contains("服务暂时不可用", answer.Html, StringComparison.Ordinal);
            }
        }

        // Note: nothing was consumed, so the browser's retry of the refused row goes through once the database is well.
        Assert.Equal(HttpStatusCode.SeeOther, (await CallbackAsync(poisoned)).Status);
    }

    private sealed record Answer(string State, HttpStatusCode Status, long ItemId, string? Cookie, string Html);

    private async Task<Answer> CallbackAsync(string state)
    {
        using var browser = Browser(Inbox.BaseAddress);
        using var response = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.SeeOther)
        {
            return new Answer(state, response.StatusCode, 0, response.Headers.Contains("Set-Cookie") ? "unexpected" : null, html);
        }

        var id = long.Parse(response.Headers.Location!.OriginalString["/wx/wait/".Length..], CultureInfo.InvariantCulture);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(WaitCookie.Name(id) + "=", StringComparison.Ordinal));
        return new Answer(state, response.StatusCode, id, cookie[(WaitCookie.Name(id).Length + 1)..].Split(';')[0], html);
    }

    private async Task<int> RowsAsync(string state) => Convert.ToInt32(
        Assert.Single(await Inbox.QueryAsync("SELECT COUNT(*) AS n FROM inbox_items WHERE oauth_state = @s", ("@s", state)))["n"], CultureInfo.InvariantCulture);

    private async Task<int> UnusedAsync(IEnumerable<string> states)
    {
        var unused = 0;
        foreach (var state in states)
        {
            var row = Assert.Single(await Inbox.QueryAsync("SELECT used_at FROM oauth_states WHERE state_hash = @h", ("@h", OAuthStateHash.Bytes(state))));
            unused += row["used_at"] is null ? 1 : 0;
        }

        return unused;
    }
}
