using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Pages.Customers;

/// <summary><c>/customers/create</c>: a new customer, owned by whoever creates it.</summary>
public sealed class CreateModel(CrmDbContext db, TimeProvider time, ILogger<CreateModel> logger) : PageModel
{
    [BindProperty]
    public Command Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var customer = new Customer
        {
            Name = Input.Name!.Trim(),
            Company = string.IsNullOrWhiteSpace(Input.Company) ? null : Input.Company.Trim(),
            Phone = string.IsNullOrWhiteSpace(Input.Phone) ? null : Input.Phone.Trim(),
            OwnerId = CurrentAccount.Id(User),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Customers.Add(customer);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Customer {CustomerId} created by account {AccountId}", customer.Id, customer.OwnerId);
        return Redirect($"/customers/{customer.Id}");
    }

    public sealed class Command
    {
        [Required(ErrorMessage = "请输入客户姓名。")]
        [StringLength(32, ErrorMessage = "姓名最多 32 个字。")]
        public string? Name { get; set; }

        [StringLength(64, ErrorMessage = "公司名称最多 64 个字。")]
        public string? Company { get; set; }

        [StringLength(20, ErrorMessage = "电话号码最多 20 位。")]
        [RegularExpression(@"^\s*\+?[0-9][0-9 \-]{4,19}\s*$", ErrorMessage = "电话号码格式不正确：只能包含数字、空格、连字符（-），可以 + 开头。")]
        public string? Phone { get; set; }
    }
}
