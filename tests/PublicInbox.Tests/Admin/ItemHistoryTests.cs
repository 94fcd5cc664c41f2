using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>Item pages, CSV and re-queue on the real inbox process, with items driven through the real callbacks and poller API.</summary>
public class ItemHistoryTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private AdminInbox Inbox => fixture.Inbox;

    private static string Unique(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    [Fact]
    public async Task ItemPage_AfterALogin_ShowsTheWholeTimelineAndMasksTheUsedCode()
    {
        var code = Unique("CODE");
        var state = Unique("ST");
        var (id, browser) = await Inbox.OAuthCallbackAsync(code, state);
        var poller = Unique("poller-");
        var claimed = Assert.Single((await Inbox.ClaimAsync(poller, [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        await Inbox.CompleteAsync(id, new CompleteRequest(claimed.LeaseId, AdminInbox.AppPrefix + "login/weixin/done?ticket=TICKETSECRET123", "ticket_issued"));
        using (var status = await browser.GetAsync($"/wx/wait/{id}/status"))
        {
            Assert.Contains("\"done\"", await status.Content.ReadAsStringAsync());
        }

        using var admin = await Inbox.SignedInAsync();
        var html = await admin.GetPageAsync($"/admin/items/{id}");

        Assert.Contains("收到回调，已保存", html);
        Assert.Contains("被内网轮询器领取", html);
        Assert.Contains("轮询器 " + poller, html);
        Assert.Contains("处理完成", html);
        Assert.Contains("ticket_issued", html);
        Assert.Contains("浏览器已跳转回应用", html);
        Assert.True(html.IndexOf("收到回调", StringComparison.Ordinal) < html.IndexOf("被内网轮询器领取", StringComparison.Ordinal)
            && html.IndexOf("被内网轮询器领取", StringComparison.Ordinal) < html.IndexOf("浏览器已跳转回应用", StringComparison.Ordinal));
        Assert.Contains(state, html);
        Assert.Contains(code[..4] + "****", html);
        Assert.DoesNotContain(code, html);
        Assert.DoesNotContain("TICKETSECRET123", html);
        // Note: the waiting page handed the ticket out, so the stored URL no longer holds it (issue 13 item 8).
        Assert.DoesNotContain("TICK", html);
        Assert.Contains("login/weixin/done?ticket=****", html);
        var stored = Assert.Single(await Inbox.QueryAsync("SELECT cookie_hash, lease_id FROM inbox_items WHERE id = @id", ("@id", id)));
        Assert.DoesNotContain((string)stored["cookie_hash"]!, html);
        Assert.DoesNotContain(claimed.LeaseId, html);
    }

    [Fact]
    public async Task ItemPage_LoginRefusedWith48001_NamesTheAccountTheLoginNeeds()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Unique("CODE"), Unique("ST"));
        var claimed = Assert.Single((await Inbox.ClaimAsync(Unique("poller-"), [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        await Inbox.CompleteAsync(id, new CompleteRequest(claimed.LeaseId, AdminInbox.AppPrefix + "login?err=api_unauthorized", "api_unauthorized"));
        browser.Dispose();
        using var admin = await Inbox.SignedInAsync();

        var html = await admin.GetPageAsync($"/admin/items/{id}");

        Assert.Contains("结果：公众号未获得网页授权接口权限（48001），需要已认证的服务号", html);
    }

    [Fact]
    public async Task ItemPage_ShowsTheLeaseAndEveryOtherTimeInChinaTime_AndTheTimelineInChinese()
    {
        var (id, browser) = await Inbox.OAuthCallbackAsync(Unique("CODE"), Unique("ST"));
        var claimed = Assert.Single((await Inbox.ClaimAsync(Unique("poller-"), [InboxItemKinds.OAuth])).Items, i => i.Id == id);
        using var admin = await Inbox.SignedInAsync();

        var leased = await admin.GetPageAsync($"/admin/items/{id}");

        var stored = (string)Assert.Single(await Inbox.QueryAsync("SELECT detail FROM inbox_item_events WHERE item_id = @id AND type = 'claimed'", ("@id", id)))["detail"]!;
        var leaseEnd = DateTime.Parse(stored["lease until ".Length..], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.Contains($"租约到 {China(leaseEnd)}（北京时间）", leased);
        var leaseUntil = (DateTime)Assert.Single(await Inbox.QueryAsync("SELECT lease_until FROM inbox_items WHERE id = @id", ("@id", id)))["lease_until"]!;
        Assert.Contains($"<dt>租约到期</dt><dd>{China(leaseUntil)}（北京时间）</dd>", leased);

        await Inbox.CompleteAsync(id, new CompleteRequest(claimed.LeaseId, AdminInbox.AppPrefix + "login/weixin/done?ticket=T1", "ticket_issued"));
        (await browser.GetAsync($"/wx/wait/{id}/status")).Dispose();
        browser.Dispose();
        var done = await admin.GetPageAsync($"/admin/items/{id}");

        foreach (var html in new[] { leased, done })
        {
            Assert.DoesNotMatch(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", html);
            Assert.DoesNotContain("OAuth callback", html);
            Assert.DoesNotContain("lease until", html);
        }

        Assert.Contains("微信网页授权回调，带授权码", done);
        Assert.Contains("结果：已签发登录票据", done);
        Assert.Contains("等待页已把用户的浏览器送回应用", done);
        Assert.DoesNotContain("waiting page sent the browser on", done);
    }

    [Fact]
    public async Task ItemPage_AfterAFailureAndARequeue_ShowsTheErrorAsSentAndTheNewDeadlineInChinaTime()
    {
        await Inbox.Database.ExecuteAsync("""
            INSERT INTO inbox_items (kind, status, received_at, failed_at, correlation_id, attempts, error) VALUES ('message', 'failed', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'tl-rq', 1, 'CRM hook answered 500');
            INSERT INTO inbox_item_events (item_id, at, type, actor, detail)
            VALUES (LAST_INSERT_ID(), UTC_TIMESTAMP(6), 'received', NULL, 'message callback (plaintext)'),
                   (LAST_INSERT_ID(), UTC_TIMESTAMP(6), 'failed', 'poller-tl', 'CRM hook answered 500');
            """);
        var id = Convert.ToInt64(await Inbox.Database.ScalarAsync("SELECT MAX(id) FROM inbox_items WHERE correlation_id = 'tl-rq'"), CultureInfo.InvariantCulture);
        using var admin = await Inbox.SignedInAsync();
        using var requeued = await admin.PostFormAsync($"/admin/items/{id}", $"/admin/items/{id}/requeue", []);
        Assert.Equal(HttpStatusCode.Redirect, requeued.StatusCode);

        var html = await admin.GetPageAsync($"/admin/items/{id}?notice=requeued");

        var deadline = (DateTime)Assert.Single(await Inbox.QueryAsync("SELECT deadline FROM inbox_items WHERE id = @id", ("@id", id)))["deadline"]!;
        Assert.Contains("消息回调（明文模式）", html);
        Assert.Contains("CRM hook answered 500", html);
        Assert.Contains($"管理员 {AdminInbox.AdminName} 把它放回队列；新的截止时间 {China(deadline)[..19]}", html);
        Assert.DoesNotMatch(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", html);
        Assert.DoesNotContain("re-queued by admin", html);
    }

    [Fact]
    public async Task Pages_EncodeWhatCallersSent()
    {
        var who = "<img src=x onerror=alert(1)>" + Unique("");
        await Inbox.Database.ExecuteAsync($"INSERT INTO inbox_items (kind, status, received_at, correlation_id, attempts, open_id, body) VALUES ('message', 'pending', UTC_TIMESTAMP(6), 'enc', 1, '{who}', '<script>alert(2)</script>')");
        var id = Convert.ToInt64(await Inbox.Database.ScalarAsync("SELECT MAX(id) FROM inbox_items WHERE correlation_id = 'enc'"), CultureInfo.InvariantCulture);
        using var admin = await Inbox.SignedInAsync();

        var list = await admin.GetPageAsync("/admin/items?who=" + Uri.EscapeDataString(who));
        var item = await admin.GetPageAsync($"/admin/items/{id}");

        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", list);
        Assert.DoesNotContain("<img", list);
        Assert.Contains("&lt;script&gt;alert(2)&lt;/script&gt;", item);
        Assert.DoesNotContain("<script", item);
        Assert.DoesNotContain("<img", item);
    }

    [Fact]
    public async Task Post_WithoutTheAntiforgeryToken_SaysInChineseThatThePageExpired()
    {
        using var admin = await Inbox.SignedInAsync();

        using var response = await admin.PostFormAsync("/admin", "/admin/logout", [], withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("页面已过期", await response.Content.ReadAsStringAsync());
        using var after = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static string China(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ItemPage_WhileALoginIsPending_ShowsTheWholeCode()
    {
        var code = Unique("CODE");
        var (id, _) = await Inbox.OAuthCallbackAsync(code, Unique("ST"));
        using var admin = await Inbox.SignedInAsync();

        var html = await admin.GetPageAsync($"/admin/items/{id}");

        Assert.Contains(code, html);
        Assert.Contains("排队中", html);
    }

    [Fact]
    public async Task ItemPage_AfterAMessage_ShowsThePassiveReplyAndTheBodies()
    {
        var openId = Unique("o_adm_");
        var post = Inbox.PostMessageAsync(openId, "客户 张", Random.Shared.NextInt64(1, long.MaxValue));
        ClaimedItem? item = null;
        var poller = Unique("poller-");
        for (var i = 0; i < 40 && item is null; i++)
        {
            item = (await Inbox.ClaimAsync(poller, [InboxItemKinds.Message])).Items.FirstOrDefault(c => c.Message?.OpenId == openId);
            if (item is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(item);
        var reply = $"<xml><ToUserName><![CDATA[{openId}]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[找到 3 个客户]]></Content></xml>";
        var completed = await Inbox.CompleteAsync(item.Id, new CompleteRequest(item.LeaseId, Outcome: "replied", ReplyBody: reply));
        using var answer = await post;
        Assert.True(completed.DeliveredPassively);
        Assert.Contains("找到 3 个客户", await answer.Content.ReadAsStringAsync());

        using var admin = await Inbox.SignedInAsync();
        var html = await admin.GetPageAsync($"/admin/items/{item.Id}");

        Assert.Contains("收到回调，已保存", html);
        Assert.Contains("轮询器 " + poller, html);
        Assert.Contains("被动回复已交给微信", html);
        Assert.Contains("客户 张", html);
        Assert.Contains("找到 3 个客户", html);
        Assert.Contains(openId, html);
        Assert.Contains("明文模式", html);
    }

    [Fact]
    public async Task ItemPage_ViewIsAuditedWithTheAdminAndTheItem()
    {
        var (id, _) = await Inbox.OAuthCallbackAsync(Unique("CODE"), Unique("ST"));
        using var admin = await Inbox.SignedInAsync();

        await admin.GetPageAsync($"/admin/items/{id}");

        var row = Assert.Single(await Inbox.QueryAsync("SELECT actor, remote_ip, detail FROM admin_audit_log WHERE action = @a AND item_id = @id",
            ("@a", AdminAuditActions.ViewItem), ("@id", id)));
        Assert.Equal(AdminInbox.AdminName, row["actor"]);
        Assert.Equal("127.0.0.1", row["remote_ip"]);
        var audit = await admin.GetPageAsync("/admin/audit?action=view_item");
        Assert.Contains($"#{id}", audit);
        Assert.Contains("查看记录内容", audit);
    }

    [Fact]
    public async Task Export_WritesExcelReadyCsvOfTheFilterWithFormulasDefused()
    {
        var who = Unique("o_csv_");
        var now = DateTime.UtcNow;
        await Inbox.Database.ExecuteAsync($"""
            INSERT INTO inbox_items (kind, status, received_at, completed_at, correlation_id, attempts, open_id, outcome, error)
            VALUES ('message', 'done', '{now.AddMinutes(-5):yyyy-MM-dd HH:mm:ss.ffffff}', '{now.AddMinutes(-5).AddMilliseconds(1500):yyyy-MM-dd HH:mm:ss.ffffff}', 'c1', 1, '{who}', '=HYPERLINK("http://evil")', NULL),
                   ('event', 'failed', '{now.AddMinutes(-4):yyyy-MM-dd HH:mm:ss.ffffff}', NULL, 'c2', 2, '{who}', NULL, '+cmd|calc, "quoted"'),
                   ('message', 'done', '{now.AddMinutes(-3):yyyy-MM-dd HH:mm:ss.ffffff}', NULL, 'c3', 1, 'someone-else', NULL, NULL);
            """);
        using var admin = await Inbox.SignedInAsync();

        using var response = await admin.GetAsync($"/admin/items/export?who={who}");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(l => l.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal("编号,接收时间（北京时间）,类型,状态,尝试次数,处理耗时（毫秒）,openid,state,领取者,结果,错误", lines[0]);
        Assert.Equal(3, lines.Count);
        Assert.Contains(",event,failed,2,,", lines[1]);
        Assert.EndsWith($",{who},,,,\"'+cmd|calc, \"\"quoted\"\"\"", lines[1]);
        Assert.Contains(",message,done,1,1500,", lines[2]);
        Assert.EndsWith($",{who},,,\"'=HYPERLINK(\"\"http://evil\"\")\",", lines[2]);
        Assert.DoesNotContain(lines, l => l.Contains("someone-else", StringComparison.Ordinal));
        var audit = (await Inbox.AuditAsync(AdminAuditActions.ExportCsv)).First();
        Assert.Equal(AdminInbox.AdminName, audit["actor"]);
        Assert.Contains($"who={who}", (string)audit["detail"]!);
    }

    [Fact]
    public async Task Requeue_AFailedMessage_PutsItBackWithAnEventAndAnAuditRow()
    {
        var openId = Unique("o_rq_");
        var post = Inbox.PostMessageAsync(openId, "帮助", Random.Shared.NextInt64(1, long.MaxValue));
        ClaimedItem? item = null;
        for (var i = 0; i < 40 && item is null; i++)
        {
            item = (await Inbox.ClaimAsync("poller-rq", [InboxItemKinds.Message])).Items.FirstOrDefault(c => c.Message?.OpenId == openId);
            if (item is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(item);
        await Inbox.FailAsync(item.Id, new FailRequest(item.LeaseId, "CRM hook answered 500", Retry: false));
        (await post).Dispose();
        using var admin = await Inbox.SignedInAsync();
        Assert.Contains("重新排队", await admin.GetPageAsync($"/admin/items/{item.Id}"));

        using var response = await admin.PostFormAsync($"/admin/items/{item.Id}", $"/admin/items/{item.Id}/requeue", []);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var row = Assert.Single(await Inbox.QueryAsync("SELECT status, failed_at, deadline, wait_state FROM inbox_items WHERE id = @id", ("@id", item.Id)));
        Assert.Equal("pending", row["status"]);
        Assert.Null(row["failed_at"]);
        Assert.True((DateTime)row["deadline"]! > DateTime.UtcNow.AddMinutes(20));
        Assert.Equal("gone", row["wait_state"]);
        var requeued = Assert.Single(await Inbox.QueryAsync("SELECT actor FROM inbox_item_events WHERE item_id = @id AND type = 'requeued'", ("@id", item.Id)));
        Assert.Equal("admin:" + AdminInbox.AdminName, requeued["actor"]);
        Assert.Contains(await Inbox.AuditAsync(AdminAuditActions.Requeue), a => (long?)a["item_id"] == item.Id && a["detail"] as string == "failed → pending");
        var page = await admin.GetPageAsync($"/admin/items/{item.Id}?notice=requeued");
        Assert.Contains("管理员重新排队", page);
        var again = Assert.Single((await Inbox.ClaimAsync("poller-rq2", [InboxItemKinds.Message])).Items, c => c.Id == item.Id);
        Assert.Equal(2, again.Attempts);
    }

    [Fact]
    public async Task Requeue_ALoginOrAnItemNotFailed_IsRefusedWithAReason()
    {
        var (oauthId, _) = await Inbox.OAuthCallbackAsync(Unique("CODE"), Unique("ST"));
        var claimed = Assert.Single((await Inbox.ClaimAsync("poller-x", [InboxItemKinds.OAuth])).Items, i => i.Id == oauthId);
        await Inbox.FailAsync(oauthId, new FailRequest(claimed.LeaseId, "code exchange failed", Retry: false));
        await Inbox.Database.ExecuteAsync("INSERT INTO inbox_items (kind, status, received_at, correlation_id, attempts) VALUES ('message', 'done', UTC_TIMESTAMP(6), 'rq-done', 1)");
        var doneId = Convert.ToInt64(await Inbox.Database.ScalarAsync("SELECT MAX(id) FROM inbox_items WHERE correlation_id = 'rq-done'"), System.Globalization.CultureInfo.InvariantCulture);
        using var admin = await Inbox.SignedInAsync();

        using var oauth = await admin.PostFormAsync("/admin", $"/admin/items/{oauthId}/requeue", []);
        using var done = await admin.PostFormAsync("/admin", $"/admin/items/{doneId}/requeue", []);

        Assert.Equal(HttpStatusCode.Conflict, oauth.StatusCode);
        Assert.Contains("授权码只能使用一次", await oauth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, done.StatusCode);
        Assert.Contains("已完成", await done.Content.ReadAsStringAsync());
        Assert.Equal("failed", Assert.Single(await Inbox.QueryAsync("SELECT status FROM inbox_items WHERE id = @id", ("@id", oauthId)))["status"]);
        Assert.Equal("done", Assert.Single(await Inbox.QueryAsync("SELECT status FROM inbox_items WHERE id = @id", ("@id", doneId)))["status"]);
    }

    [Fact]
    public async Task Requeue_WithoutTheAntiforgeryToken_ChangesNothing()
    {
        await Inbox.Database.ExecuteAsync("INSERT INTO inbox_items (kind, status, received_at, correlation_id, attempts, failed_at) VALUES ('message', 'failed', UTC_TIMESTAMP(6), 'rq-csrf', 1, UTC_TIMESTAMP(6))");
        var id = Convert.ToInt64(await Inbox.Database.ScalarAsync("SELECT MAX(id) FROM inbox_items WHERE correlation_id = 'rq-csrf'"), System.Globalization.CultureInfo.InvariantCulture);
        using var admin = await Inbox.SignedInAsync();

        using var response = await admin.PostFormAsync("/admin", $"/admin/items/{id}/requeue", [], withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("failed", Assert.Single(await Inbox.QueryAsync("SELECT status FROM inbox_items WHERE id = @id", ("@id", id)))["status"]);
    }

    [Fact]
    public async Task Dashboard_ShowsCountsPollersAndARedLineWhenTheIntranetIsSilent()
    {
        await Inbox.Database.ExecuteAsync("INSERT INTO pollers (poller_id, first_seen_at, last_claim_at, last_claim_count) VALUES ('silent-poller', UTC_TIMESTAMP(6) - INTERVAL 2 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 3) ON DUPLICATE KEY UPDATE last_claim_at = VALUES(last_claim_at)");
        await Inbox.Database.ExecuteAsync("UPDATE pollers SET last_claim_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR");
        await Inbox.Database.ExecuteAsync("INSERT INTO retention_runs (started_at, finished_at, payload_cutoff, metadata_cutoff, payloads_purged, items_deleted, events_deleted) VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) - INTERVAL 30 DAY, UTC_TIMESTAMP(6) - INTERVAL 180 DAY, 1234, 56, 789)");
        using var admin = await Inbox.SignedInAsync();

        var html = await admin.GetPageAsync("/admin");

        Assert.Contains("class=\"alert\"", html);
        Assert.Contains("没有来领取", html);
        Assert.Contains("silent-poller", html);
        Assert.Contains("清除内容 1,234 条", html);
        Assert.Contains("删除记录 56 条及其事件 789 条", html);
        Assert.Equal(2, html.Split("<svg", StringSplitOptions.None).Length - 1);
        var pending = Convert.ToInt32(await Inbox.Database.ScalarAsync("SELECT COUNT(*) FROM inbox_items WHERE status = 'pending'"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"排队中<b>{pending:N0}</b>", html);
    }
}
