using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Weixin.Inbox.CrmApp.Pages;

/// <summary>Home: the customers list is the signed-in home page.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Customers/Index");
}
