using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>What a 「用户管理」 action did: <see cref="Message"/> is shown (Chinese); <see cref="Password"/> only once.</summary>
public sealed record AdminOutcome(bool Done, string Message, string? Password = null);

/// <summary>
/// The 管理员's changes to other accounts (「用户管理」): approve, disable, enable, change role, reset password, unbind
/// WeChat. Each runs in a transaction that first locks the active 管理员 rows, so the CRM is never left without an
/// active 管理员, even when two admins demote each other at the same moment (on any instance). A change that takes
/// access away renews the account's security stamp, which ends its sessions at their next request.
/// </summary>
public sealed class AccountAdministration(
    CrmDbContext db,
    IPasswordHasher<Account> hasher,
    DeviceStore devices,
    ILogger<AccountAdministration> logger)
{
    private const string LastAdminMessage = "系统至少需要一名启用的管理员：不能停用或降级最后一名管理员。请先把另一个账号设为管理员。";

    /// <summary>「批准」: a pending account becomes active (its role unchanged, 销售 for a self-registered one).</summary>
    public Task<AdminOutcome> ApproveAsync(int actorId, int accountId, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, (account, _) =>
        {
            if (account.Status != AccountStatuses.Pending)
            {
                return new AdminOutcome(false, $"账号「{account.UserName}」不在待审核状态。");
            }

            account.Status = AccountStatuses.Active;
            logger.LogInformation("Account {ActorId} approved account {AccountId}", actorId, account.Id);
            return new AdminOutcome(true, $"已批准「{account.DisplayName}」，该账号现在可以使用了。");
        }, cancellationToken);

    /// <summary>「停用」: the account cannot sign in, and its open sessions end.</summary>
    public Task<AdminOutcome> DisableAsync(int actorId, int accountId, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, (account, activeAdmins) =>
        {
            if (account.Status == AccountStatuses.Disabled)
            {
                return new AdminOutcome(false, $"账号「{account.UserName}」已经停用。");
            }

            if (IsLastAdmin(account, activeAdmins))
            {
                logger.LogWarning("Account {ActorId} tried to disable account {AccountId}, the last active admin; refused", actorId, account.Id);
                return new AdminOutcome(false, LastAdminMessage);
            }

            account.Status = AccountStatuses.Disabled;
            account.RenewSecurityStamp();
            logger.LogInformation("Account {ActorId} disabled account {AccountId}", actorId, account.Id);
            return new AdminOutcome(true, $"已停用「{account.DisplayName}」：不能再登录，已登录的会话将失效。");
        }, cancellationToken);

    /// <summary>「启用」: a disabled account may sign in again.</summary>
    public Task<AdminOutcome> EnableAsync(int actorId, int accountId, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, (account, _) =>
        {
            if (account.Status != AccountStatuses.Disabled)
            {
                return new AdminOutcome(false, $"账号「{account.UserName}」没有停用。");
            }

            account.Status = AccountStatuses.Active;
            account.FailedLoginCount = 0;
            account.LockoutEndsAt = null;
            logger.LogInformation("Account {ActorId} enabled account {AccountId}", actorId, account.Id);
            return new AdminOutcome(true, $"已启用「{account.DisplayName}」。");
        }, cancellationToken);

    /// <summary>「修改角色」: 管理员 or 销售; the account's sessions end (they carried the old role).</summary>
    public Task<AdminOutcome> SetRoleAsync(int actorId, int accountId, string role, CancellationToken cancellationToken) =>
        ChangeAsync(accountId, (account, activeAdmins) =>
        {
            if (role is not (AccountRoles.Admin or AccountRoles.Sales))
            {
                return new AdminOutcome(false, "请选择角色：管理员或销售。");
            }

            if (account.Role == role)
            {
                return new AdminOutcome(false, $"「{account.DisplayName}」已经是{RoleLabel(role)}。");
            }

            if (role != AccountRoles.Admin && IsLastAdmin(account, activeAdmins))
            {
                logger.LogWarning("Account {ActorId} tried to demote account {AccountId}, the last active admin; refused", actorId, account.Id);
                return new AdminOutcome(false, LastAdminMessage);
            }

            var before = account.Role;
            account.Role = role;
            account.RenewSecurityStamp();
            logger.LogInformation("Account {ActorId} changed the role of account {AccountId} from {OldRole} to {NewRole}", actorId, account.Id, before, role);
            return new AdminOutcome(true, $"已把「{account.DisplayName}」设为{RoleLabel(role)}，该账号需要重新登录。");
        }, cancellationToken);

    /// <summary>
    /// 「重置密码」: sets <paramref name="newPassword"/> (checked against <see cref="PasswordRules"/>), or a generated one
    /// when it is empty (returned once in <see cref="AdminOutcome.Password"/>); unlocks the account and ends its sessions.
    /// </summary>
    public Task<AdminOutcome> ResetPasswordAsync(int actorId, int accountId, string? newPassword, CancellationToken cancellationToken)
    {
        var generated = string.IsNullOrEmpty(newPassword);
        var password = generated ? PasswordRules.Generate() : newPassword!;
        if (!generated && PasswordRules.CheckPassword(password) is { } problem)
        {
            return Task.FromResult(new AdminOutcome(false, problem));
        }

        return ChangeAsync(accountId, (account, _) =>
        {
            account.PasswordHash = hasher.HashPassword(account, password);
            account.FailedLoginCount = 0;
            account.LockoutEndsAt = null;
            account.RenewSecurityStamp();
            // Note: never the password itself, not even generated.
            logger.LogInformation("Account {ActorId} reset the password of account {AccountId} ({How})", actorId, account.Id, generated ? "generated" : "set by the admin");
            return generated
                ? new AdminOutcome(true, $"已为「{account.DisplayName}」生成新密码（只显示这一次，请当面或通过安全渠道告知本人）：", password)
                : new AdminOutcome(true, $"已为「{account.DisplayName}」设置新密码，该账号需要用新密码重新登录。");
        }, cancellationToken);
    }

    /// <summary>「解除微信绑定」: the WeChat user can no longer sign in to it; its devices are forgotten and its sessions end.</summary>
    public async Task<AdminOutcome> UnbindWeixinAsync(int actorId, int accountId, CancellationToken cancellationToken)
    {
        var outcome = await ChangeAsync(accountId, (account, _) =>
        {
            if (account.WeixinOpenId is null)
            {
                return new AdminOutcome(false, $"「{account.DisplayName}」没有绑定微信。");
            }

            account.WeixinOpenId = null;
            account.WeixinNickname = null;
            account.WeixinHeadImgUrl = null;
            account.WeixinBoundAt = null;
            account.RenewSecurityStamp();
            logger.LogInformation("Account {ActorId} unbound the WeChat user of account {AccountId}", actorId, account.Id);
            return new AdminOutcome(true, $"已解除「{account.DisplayName}」的微信绑定，并移除了其登录过的设备。");
        }, cancellationToken);
        if (outcome.Done)
        {
            // Note: the devices were known for the WeChat user just unbound (as when the user unbinds it in 「我的」).
            await devices.ForgetAllAsync(accountId, cancellationToken);
        }

        return outcome;
    }

    public static string RoleLabel(string role) => role == AccountRoles.Admin ? "管理员" : "销售";

    public static string StatusLabel(string status) => status switch
    {
        AccountStatuses.Active => "已启用",
        AccountStatuses.Pending => "待审核",
        AccountStatuses.Disabled => "已停用",
        _ => status,
    };

    private static bool IsLastAdmin(Account account, IReadOnlyCollection<int> activeAdmins) =>
        activeAdmins.Contains(account.Id) && activeAdmins.Count <= 1;

    /// <summary>Runs <paramref name="change"/> on the account under the locks; saves only when it says done.</summary>
    private async Task<AdminOutcome> ChangeAsync(int accountId, Func<Account, IReadOnlyCollection<int>, AdminOutcome> change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Note: the active 管理员 rows first, then the target (always in this order, so two actions cannot deadlock):
        // a parallel demotion of the other admin waits here and then counts what this one left.
        var activeAdmins = await db.Database
            .SqlQuery<int>($"SELECT id AS Value FROM accounts WHERE role = {AccountRoles.Admin} AND status = {AccountStatuses.Active} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var account = await db.Accounts.FromSqlInterpolated($"SELECT * FROM accounts WHERE id = {accountId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return new AdminOutcome(false, "找不到这个账号。");
        }

        var outcome = change(account, activeAdmins);
        if (outcome.Done)
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return outcome;
    }
}
