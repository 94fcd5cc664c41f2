using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Pages.Account;

/// <summary><c>/account</c>: the signed-in user's profile and WeChat binding, with 「解除绑定」.</summary>
public sealed class IndexModel(CrmDbContext db, ILogger<IndexModel> logger) : PageModel
{
    public Profile Me { get; private set; } = null!;

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var me = await Query(CurrentAccount.Id(User));
        if (me is null)
        {
            return Redirect("/login");
        }

        Me = me;
        return Page();
    }

    public async Task<IActionResult> OnPostUnbindAsync()
    {
        var id = CurrentAccount.Id(User);
        var changed = await db.Accounts.Where(a => a.Id == id && a.WeixinOpenId != null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.WeixinOpenId, (string?)null)
                .SetProperty(a => a.WeixinNickname, (string?)null)
                .SetProperty(a => a.WeixinHeadImgUrl, (string?)null)
                .SetProperty(a => a.WeixinBoundAt, (DateTime?)null), HttpContext.RequestAborted);
        if (changed > 0)
        {
            logger.LogInformation("Account {AccountId} unbound its WeChat user", id);
            Notice = "已解除微信绑定。之后用微信登录时，可以重新绑定账号。";
        }

        return RedirectToPage();
    }

    private Task<Profile?> Query(int id) => db.Accounts.AsNoTracking()
        .Where(a => a.Id == id)
        .Select(a => new Profile(a.UserName, a.DisplayName, a.CreatedAt, a.LastLoginAt, a.WeixinOpenId != null, a.WeixinNickname, a.WeixinHeadImgUrl, a.WeixinBoundAt))
        .SingleOrDefaultAsync(HttpContext.RequestAborted);

    public sealed record Profile(
        string UserName,
        string DisplayName,
        DateTime CreatedAt,
        DateTime? LastLoginAt,
        bool WeixinBound,
        string? WeixinNickname,
        string? WeixinHeadImgUrl,
        DateTime? WeixinBoundAt);
}
