using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin.Pages.Items;

/// <summary><c>/admin/items</c>: the history, newest first, with filters (<see cref="ItemFilter"/>) and keyset paging.</summary>
public sealed class IndexModel(InboxDbContext db, IOptions<AdminOptions> options) : PageModel
{
    public ItemFilter Filter { get; private set; } = new(null, null, null, null, null, null);

    public ItemPage Found { get; private set; } = new([], null, null);

    /// <summary>The filters as a query string (without <c>?</c>), for links that keep them.</summary>
    public string Query { get; private set; } = "";

    public string Keep => Query.Length == 0 ? "" : "&" + Query;

    public async Task OnGetAsync(long? before, long? after)
    {
        Filter = ItemFilter.Parse(Request.Query);
        Query = Filter.ToQuery();
        Found = await ItemQuery.PageAsync(db, Filter, before, after, options.Value.PageSize, HttpContext.RequestAborted);
    }
}
