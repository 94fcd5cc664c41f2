using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using static Weixin.Inbox.PublicInbox.Admin.AdminHtml;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>Bundles what the history handlers need (<c>[AsParameters]</c>).</summary>
public sealed record ItemPageServices(
    InboxDbContext Db, AdminAudit Audit, IOptions<AdminOptions> Options, IOptions<InboxOptions> InboxOptions, TimeProvider Time,
    InboxSignals Signals, IAntiforgery Antiforgery, ILogger<ItemPageServices> Logger);

/// <summary>The history: list with filters, CSV export, one item's timeline and raw request, re-queue.</summary>
public static class ItemPages
{
    public static async Task<IResult> ListAsync(HttpContext http, [AsParameters] ItemPageServices s, long? before, long? after)
    {
        var filter = ItemFilter.Parse(http.Request.Query);
        var page = await ItemQuery.PageAsync(s.Db, filter, before, after, s.Options.Value.PageSize, http.RequestAborted);
        var query = filter.ToQuery();
        var keep = query.Length == 0 ? "" : "&" + query;

        var body = new StringBuilder();
        body.Append("""<div class="card"><form class="filters" method="get" action="/admin/items">""");
        body.Append("""<label>类型<select name="kind"><option value="">全部</option>""");
        foreach (var kind in ItemFilter.Kinds)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<option value="{kind}"{(kind == filter.Kind ? " selected" : "")}>{KindName(kind)}</option>""");
        }

        body.Append("""</select></label><label>状态<select name="status"><option value="">全部</option>""");
        foreach (var status in ItemFilter.Statuses)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<option value="{status}"{(status == filter.Status ? " selected" : "")}>{StatusName(status)}</option>""");
        }

        body.Append(CultureInfo.InvariantCulture, $"""
            </select></label>
            <label>接收时间从（北京时间）<input type="datetime-local" name="from" value="{H(filter.From)}"></label>
            <label>到<input type="datetime-local" name="to" value="{H(filter.To)}"></label>
            <label>openid 或 state<input name="who" value="{H(filter.Who)}" maxlength="128"></label>
            <label>正文包含<input name="text" value="{H(filter.Text)}" maxlength="{ItemFilter.MaxTextLength}"></label>
            <button class="btn" type="submit">筛选</button>
            <a class="btn secondary" href="/admin/items">清除</a>
            <a class="btn secondary" href="/admin/items/export{(query.Length == 0 ? "" : "?" + H(query))}">导出 CSV</a>
            </form>
            <p class="muted">最新的在前。安全模式（加密）消息的正文在这里是密文，正文搜索只能匹配明文和兼容模式消息。网页授权登录的 openid 在内网处理成功后才记下（排队中或失败的登录没有），这时请按 state 或时间查找。</p></div>
            """);

        body.Append("""<div class="card"><table><thead><tr><th>接收时间（北京时间）</th><th>编号</th><th>类型</th><th>状态</th><th>尝试</th><th>处理耗时</th><th>openid / state</th><th>领取者</th><th>结果</th></tr></thead><tbody>""");
        foreach (var row in page.Rows)
        {
            var who = row.OpenId ?? row.OAuthState;
            body.Append(CultureInfo.InvariantCulture, $"""
                <tr><td><a href="/admin/items/{row.Id}">{China(row.ReceivedAt)}</a></td><td><a href="/admin/items/{row.Id}">#{row.Id}</a></td><td>{KindName(row.Kind)}{(row.EncryptType is null ? "" : " <span class=\"muted\">加密</span>")}</td>
                <td>{StatusBadge(row.Status)}</td><td>{row.Attempts}</td><td>{(row.ProcessingTime is { } t ? Duration(t) : "—")}</td>
                <td class="mono">{H(who)}</td><td>{H(row.LeasedBy)}</td><td>{H(row.Outcome ?? row.Error)}</td></tr>
                """);
        }

        if (page.Rows.Count == 0)
        {
            body.Append("""<tr><td colspan="9" class="muted">没有符合条件的记录。</td></tr>""");
        }

        body.Append("""</tbody></table><div class="pager">""");
        if (page.NewerThan is { } newer)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<a class="btn secondary" href="/admin/items?{H(query)}">最新</a><a class="btn secondary" href="/admin/items?after={newer}{H(keep)}">← 较新</a>""");
        }

        if (page.OlderThan is { } older)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<a class="btn secondary" href="/admin/items?before={older}{H(keep)}" rel="next">较早 →</a>""");
        }

        body.Append("</div></div>");
        return Page(http, "收件记录", "items", body.ToString());
    }

    /// <summary>CSV of the filtered list (newest first, at most <c>Admin:ExportMaxRows</c>), streamed; the export is audited with its filter.</summary>
    public static async Task<IResult> ExportAsync(HttpContext http, [AsParameters] ItemPageServices s)
    {
        var filter = ItemFilter.Parse(http.Request.Query);
        var max = s.Options.Value.ExportMaxRows;
        // Note: audited before the first byte: an export that is cut off midway still shows up in the log.
        await s.Audit.WriteAsync(http, AdminAuditActions.ExportCsv, null, $"filter: {filter.Describe()}; cap {max} rows");
        var rows = ItemQuery.Project(filter.Apply(s.Db.Items.AsNoTracking()).OrderByDescending(i => i.Id).Take(max + 1)).AsAsyncEnumerable();
        var fileName = $"inbox-items-{(s.Time.GetUtcNow() + ChinaOffset).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.csv";
        return Results.Stream(stream => ItemCsv.WriteAsync(stream, rows, max, http.RequestAborted), "text/csv; charset=utf-8", fileName);
    }

    public static async Task<IResult> DetailAsync(long id, HttpContext http, [AsParameters] ItemPageServices s, string? notice)
    {
        var item = await s.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, http.RequestAborted);
        if (item is null)
        {
            return Page(http, "记录不存在", "items", $"""<div class="card"><p>没有编号为 {id} 的记录（可能已按保留期删除）。</p><a href="/admin/items">返回列表</a></div>""", StatusCodes.Status404NotFound);
        }

        var events = await http.RequestServices.GetRequiredService<ItemStore>().TimelineAsync(id, http.RequestAborted);
        await s.Audit.WriteAsync(http, AdminAuditActions.ViewItem, id, $"viewed item {id} ({item.Kind}, {item.Status}) with its raw request");
        return Page(http, $"记录 #{id}", "items", ItemDetail.Render(http, item, events, notice));
    }

    public static async Task<IResult> RequeueAsync(long id, HttpContext http, [AsParameters] ItemPageServices s)
    {
        if (!await s.Antiforgery.IsRequestValidAsync(http))
        {
            return Notice(StatusCodes.Status400BadRequest, "页面已过期", "表单已过期或来源不对，请返回刷新后重试。");
        }

        var admin = AdminAuth.UserName(http.User) ?? "?";
        var result = await http.RequestServices.GetRequiredService<ItemStore>().RequeueAsync(id, admin, http.RequestAborted);
        if (result.Outcome == RequeueOutcome.NotFound)
        {
            return Results.NotFound();
        }

        if (result.Outcome == RequeueOutcome.Requeued)
        {
            await s.Audit.WriteAsync(http, AdminAuditActions.Requeue, id, "failed → pending");
            return Results.Redirect($"/admin/items/{id}?notice=requeued");
        }

        var refusal = result.Outcome switch
        {
            RequeueOutcome.IsLogin => "网页授权登录不能重新排队：微信的授权码只能使用一次，用户的浏览器也早已离开。请让用户重新点「微信登录」。",
            RequeueOutcome.NotFailed => $"只有失败的消息/事件可以重新排队；这条记录当前是「{StatusName(result.Status!)}」。",
            _ => "这条记录刚刚被别人改变了状态，没有重新排队。请刷新页面查看。",
        };
        await s.Audit.WriteAsync(http, AdminAuditActions.Requeue, id, $"refused ({result.Kind}, {result.Status})");
        return Page(http, "无法重新排队", "items",
            $"""<div class="card"><p class="error">{H(refusal)}</p><a href="/admin/items/{id}">返回记录 #{id}</a></div>""", StatusCodes.Status409Conflict);
    }
}
