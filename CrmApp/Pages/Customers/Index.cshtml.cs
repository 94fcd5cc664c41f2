using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Pages.Customers;

/// <summary>
/// <c>/customers?q=</c>: the customers the account may see (a 管理员 all, a 销售 their own), searched by name, company or
/// phone. The signed-in home page.
/// </summary>
public sealed class IndexModel(CrmDbContext db, AccountAccess access) : PageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Q { get; set; }

    public Result Found { get; private set; } = new([], 0);

    /// <summary>True for a 管理员 (the page says it lists everyone's customers).</summary>
    public bool SeesAll { get; private set; }

    public async Task OnGetAsync()
    {
        var me = await access.RequireAsync(User, HttpContext.RequestAborted);
        SeesAll = me.IsAdmin;
        Found = await new Query(Q, me).RunAsync(db, HttpContext.RequestAborted);
    }

    /// <summary>The search: every word must match the name, the company or the phone.</summary>
    public sealed record Query(string? Text, SignedInAccount Account)
    {
        public async Task<Result> RunAsync(CrmDbContext db, CancellationToken cancellationToken)
        {
            var customers = db.Customers.AsNoTracking().VisibleTo(Account);
            foreach (var word in (Text ?? "").Split(' ', '　').Where(w => w.Length > 0).Take(5))
            {
                var pattern = "%" + word.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
                customers = customers.Where(c => EF.Functions.Like(c.Name, pattern) || EF.Functions.Like(c.Company!, pattern) || EF.Functions.Like(c.Phone!, pattern));
            }

            var total = await customers.CountAsync(cancellationToken);
            var rows = await customers
                .OrderBy(c => c.Name).ThenBy(c => c.Id)
                .Take(PageSize)
                .Select(c => new Row(c.Id, c.Name, c.Company, c.Phone, c.Owner == null ? null : c.Owner.DisplayName, c.Notes.Max(n => (DateTime?)n.CreatedAt)))
                .ToListAsync(cancellationToken);
            return new Result(rows, total);
        }
    }

    public sealed record Row(int Id, string Name, string? Company, string? Phone, string? Owner, DateTime? LastNoteAt);

    public sealed record Result(IReadOnlyList<Row> Rows, int Total);
}
