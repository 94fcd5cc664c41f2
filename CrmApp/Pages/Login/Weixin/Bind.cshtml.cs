using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;
using Weixin.Inbox.CrmApp.Weixin;

namespace Weixin.Inbox.CrmApp.Pages.Login.Weixin;

// Note: Pages/Account is a namespace too; the alias makes "Account" mean the entity here.
using Account = global::Weixin.Inbox.CrmApp.Data.Account;

/// <summary>
/// <c>/login/weixin/bind</c>: the first WeChat login of a WeChat user no account knows yet. Shows who WeChat confirmed
/// and offers 「绑定已有账号」 (user name + password) or 「新建账号」; both bind the WeChat user and sign in.
/// 「新建账号」 follows <see cref="AccountOptions.SelfRegistration"/>: a pending account (signed in to 「等待管理员审核」),
/// an active 销售, or not offered at all.
/// The WeChat identity comes only from the data-protected cookie set by <c>/login/weixin/done</c>, never from the form.
/// </summary>
public sealed class BindModel(
    WeixinLoginCookies cookies,
    CrmDbContext db,
    PasswordCheck passwords,
    IPasswordHasher<Account> hasher,
    AccountSignIn signIn,
    DeviceStore devices,
    IOptions<AccountOptions> options,
    TimeProvider time,
    ILogger<BindModel> logger) : PageModel
{
    public const string BindTab = "bind";
    public const string CreateTab = "create";

    public PendingIdentity Identity { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? Tab { get; set; }

    public BindCommand BindInput { get; set; } = new();
    public CreateCommand CreateInput { get; set; } = new();

    public string? Error { get; private set; }

    public bool IsCreateTab => Tab == CreateTab && CanCreate;

    /// <summary>False with <c>Accounts:SelfRegistration=off</c>: only 「绑定已有账号」 is offered.</summary>
    public bool CanCreate => options.Value.SelfRegistration != SelfRegistrationModes.Off;

    /// <summary>True when a new account waits for a 管理员 (<c>approval</c>, the default).</summary>
    public bool NeedsApproval => options.Value.SelfRegistration == SelfRegistrationModes.Approval;

    public string? AvatarUrl => WeixinProfile.AvatarUrl(Identity.HeadImgUrl);

    public IActionResult OnGet()
    {
        if (!ReadIdentity())
        {
            return Expired();
        }

        CreateInput.DisplayName = WeixinProfile.Cut(Identity.Nickname.Trim(), 32);
        return Page();
    }

    public async Task<IActionResult> OnPostBindAsync([Bind(Prefix = nameof(BindInput))] BindCommand input)
    {
        Tab = BindTab;
        BindInput = input;
        if (!ReadIdentity())
        {
            return Expired();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await passwords.CheckAsync(input.UserName, input.Password, HttpContext.RequestAborted);
        if (result is not PasswordCheckResult.Success { Account: var account })
        {
            Error = PasswordCheckResult.Describe(result, time.GetUtcNow().UtcDateTime);
            return Page();
        }

        if (account.WeixinOpenId is not null && account.WeixinOpenId != Identity.OpenId)
        {
            logger.LogWarning("Binding refused: account {AccountId} is already bound to another WeChat user", account.Id);
            Error = $"账号「{account.UserName}」已绑定其他微信，不能再绑定当前微信。如需换绑，请先用该账号登录，在「我的」页面解除绑定。";
            return Page();
        }

        if (account.WeixinOpenId is null)
        {
            if (await IsBoundElsewhereAsync(account.Id))
            {
                return Page();
            }

            account.WeixinOpenId = Identity.OpenId;
            account.WeixinNickname = WeixinProfile.Nickname(Identity.Nickname);
            account.WeixinHeadImgUrl = WeixinProfile.AvatarUrl(Identity.HeadImgUrl);
            account.WeixinBoundAt = time.GetUtcNow().UtcDateTime;
            try
            {
                await db.SaveChangesAsync(HttpContext.RequestAborted);
            }
            catch (DbUpdateException ex) when (IsDuplicateKey(ex))
            {
                // Note: another tab or device bound this WeChat user in the meantime; the unique index decided.
                logger.LogWarning("Binding of account {AccountId} lost a race for the same WeChat user", account.Id);
                Error = AlreadyBoundMessage;
                return Page();
            }

            logger.LogInformation("Account {AccountId} bound to a WeChat user", account.Id);
        }

        return await SignInAndLeaveAsync(account);
    }

    public async Task<IActionResult> OnPostCreateAsync([Bind(Prefix = nameof(CreateInput))] CreateCommand input)
    {
        Tab = CreateTab;
        CreateInput = input;
        if (!ReadIdentity())
        {
            return Expired();
        }

        if (!CanCreate)
        {
            // Note: the tab is not shown, but a hand-made POST must not create an account either.
            logger.LogWarning("Account creation refused: Accounts:SelfRegistration is off");
            Tab = BindTab;
            Error = "本系统未开放自助注册，请联系管理员开通账号后，在此「绑定已有账号」。";
            ModelState.Clear();
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        AddError(nameof(input.UserName), PasswordRules.CheckUserName(input.UserName));
        AddError(nameof(input.Password), PasswordRules.CheckPassword(input.Password));
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var userName = PasswordRules.NormalizeUserName(input.UserName);
        if (await db.Accounts.AnyAsync(a => a.UserName == userName, HttpContext.RequestAborted))
        {
            ModelState.AddModelError($"{nameof(CreateInput)}.{nameof(input.UserName)}", $"用户名「{userName}」已被使用，请换一个。");
            return Page();
        }

        if (await IsBoundElsewhereAsync(null))
        {
            return Page();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var account = new Account
        {
            UserName = userName,
            DisplayName = input.DisplayName!.Trim(),
            CreatedAt = now,
            WeixinOpenId = Identity.OpenId,
            WeixinNickname = WeixinProfile.Nickname(Identity.Nickname),
            WeixinHeadImgUrl = WeixinProfile.AvatarUrl(Identity.HeadImgUrl),
            WeixinBoundAt = now,
            Role = AccountRoles.Sales,
            // Note: with approval (the default) a stranger with any WeChat account sees no customer until a 管理员 says so.
            Status = NeedsApproval ? AccountStatuses.Pending : AccountStatuses.Active,
        };
        account.PasswordHash = hasher.HashPassword(account, input.Password!);
        db.Accounts.Add(account);
        try
        {
            await db.SaveChangesAsync(HttpContext.RequestAborted);
        }
        catch (DbUpdateException ex) when (IsDuplicateKey(ex))
        {
            db.Entry(account).State = EntityState.Detached;
            logger.LogWarning("Account creation lost a race for the user name or the WeChat user");
            Error = "用户名已被使用，或当前微信刚刚绑定了其他账号，请检查后重试。";
            return Page();
        }

        logger.LogInformation("Account {AccountId} created ({Status} {Role}) and bound to a WeChat user", account.Id, account.Status, account.Role);
        return await SignInAndLeaveAsync(account);
    }

    private const string AlreadyBoundMessage = "当前微信已绑定其他账号，请重新点击「微信登录」直接登录。";

    private void AddError(string field, string? problem)
    {
        if (problem is not null)
        {
            ModelState.AddModelError($"{nameof(CreateInput)}.{field}", problem);
        }
    }

    private bool ReadIdentity()
    {
        if (cookies.ReadIdentity(HttpContext) is not { } identity)
        {
            return false;
        }

        Identity = identity;
        return true;
    }

    private RedirectResult Expired() => Redirect("/login?err=" + CrmLoginErrors.BindExpired);

    private async Task<bool> IsBoundElsewhereAsync(int? accountId)
    {
        var openId = Identity.OpenId;
        if (await db.Accounts.AnyAsync(a => a.WeixinOpenId == openId && a.Id != accountId, HttpContext.RequestAborted))
        {
            Error = AlreadyBoundMessage;
            return true;
        }

        return false;
    }

    private async Task<IActionResult> SignInAndLeaveAsync(Account account)
    {
        // Note: a pending account would only be sent on from its return URL to 「等待管理员审核」; go there at once.
        var target = account.Status == AccountStatuses.Pending ? AccountAuthorizationResultHandler.PendingPage : ReturnUrls.LocalOrHome(Url, Identity.ReturnUrl);
        await signIn.SignInAsync(HttpContext, account, "weixin", target);
        // Note: the identity cookie is set only after the number confirmed this WeChat user on this device (or with
        // Login:ConfirmNewDevice off), so the device is known for the account from now on.
        await devices.RememberAsync(HttpContext, account.Id);
        cookies.ClearIdentity(HttpContext);
        return LocalRedirect(target);
    }

    private static bool IsDuplicateKey(DbUpdateException ex) =>
        ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

    public sealed class BindCommand
    {
        [Required(ErrorMessage = "请输入用户名。")]
        [StringLength(64, ErrorMessage = "用户名太长。")]
        public string? UserName { get; set; }

        [Required(ErrorMessage = "请输入密码。")]
        [StringLength(128, ErrorMessage = "密码太长。")]
        public string? Password { get; set; }
    }

    public sealed class CreateCommand
    {
        /// <summary>Checked by <see cref="PasswordRules.CheckUserName"/>.</summary>
        public string? UserName { get; set; }

        [Required(ErrorMessage = "请输入姓名。")]
        [StringLength(32, ErrorMessage = "姓名最多 32 个字。")]
        public string? DisplayName { get; set; }

        /// <summary>Checked by <see cref="PasswordRules.CheckPassword"/>.</summary>
        public string? Password { get; set; }

        [Required(ErrorMessage = "请再次输入密码。")]
        [Compare(nameof(Password), ErrorMessage = "两次输入的密码不一致。")]
        public string? ConfirmPassword { get; set; }
    }
}
