using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.CrmApp.Accounts;

namespace Weixin.Inbox.CrmApp.Pages.Pending;

/// <summary>
/// <c>/pending</c> 「等待管理员审核」: where a self-registered account lands (and is sent from every customer page) until a
/// 管理员 approves it in 「用户管理」. Shows no customer data; once approved it sends the user on to the customers.
/// </summary>
public sealed class IndexModel(AccountAccess access) : PageModel
{
    public SignedInAccount Me { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync()
    {
        Me = await access.RequireAsync(User, HttpContext.RequestAborted);
        return Me.IsActive ? Redirect("/customers") : Page();
    }
}
