using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Outcome of a password check.</summary>
public abstract record PasswordCheckResult
{
    public sealed record Success(Account Account) : PasswordCheckResult;

    /// <summary>Unknown user or wrong password: the pages say the same for both.</summary>
    public sealed record Invalid : PasswordCheckResult;

    public sealed record LockedOut(DateTime Until) : PasswordCheckResult;

    /// <summary>Right password, but a 管理员 disabled the account (told only after the right password).</summary>
    public sealed record Disabled(int AccountId) : PasswordCheckResult;

    /// <summary>The Chinese message a form shows for a failure.</summary>
    public static string Describe(PasswordCheckResult result, DateTime nowUtc) => result switch
    {
        Disabled => Weixin.CrmLoginErrors.AccountDisabledMessage,
        LockedOut locked => $"密码连续输错次数过多，账号已被锁定，请 {Math.Max(1, (int)Math.Ceiling((locked.Until - nowUtc).TotalMinutes))} 分钟后再试。",
        _ => "用户名或密码错误。",
    };
}

/// <summary>
/// Checks a user name and password, counting failures in the database so the lockout holds across instances.
/// </summary>
public sealed class PasswordCheck(
    CrmDbContext db,
    IPasswordHasher<Account> hasher,
    TimeProvider time,
    IOptions<AccountOptions> options,
    ILogger<PasswordCheck> logger)
{
    private static readonly Account Nobody = new();
    private static readonly string NobodyHash = new PasswordHasher<Account>().HashPassword(Nobody, "not-a-password-0");

    public async Task<PasswordCheckResult> CheckAsync(string? userName, string? password, CancellationToken cancellationToken)
    {
        var name = PasswordRules.NormalizeUserName(userName);
        var now = time.GetUtcNow().UtcDateTime;
        // Note: the account row is locked (FOR UPDATE) from the lockout check to the failure count, so parallel guesses
        // on one name queue up (on every instance) and each sees the count the previous one left: 40 at once still get
        // at most MaxFailedAttempts answers before the lockout, as the inbox's admin sign-in does.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = name.Length == 0 ? null : await db.Accounts
            .FromSqlInterpolated($"SELECT * FROM accounts WHERE user_name = {name} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            // Note: hash anyway, so an unknown user name answers as slowly as a wrong password (no user enumeration by timing).
            hasher.VerifyHashedPassword(Nobody, NobodyHash, password ?? "");
            return new PasswordCheckResult.Invalid();
        }

        if (account.LockoutEndsAt is { } until && until > now)
        {
            logger.LogWarning("Password refused for account {AccountId}: locked out until {LockoutEndsAt:O}", account.Id, until);
            return new PasswordCheckResult.LockedOut(until);
        }

        var verdict = hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? "");
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failure = await RecordFailureAsync(account.Id, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return failure;
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = hasher.HashPassword(account, password!);
        }

        account.FailedLoginCount = 0;
        account.LockoutEndsAt = null;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (account.Status == AccountStatuses.Disabled)
        {
            logger.LogWarning("Password sign-in refused for account {AccountId}: the account is disabled", account.Id);
            return new PasswordCheckResult.Disabled(account.Id);
        }

        return new PasswordCheckResult.Success(account);
    }

    private async Task<PasswordCheckResult> RecordFailureAsync(int accountId, DateTime now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Note: increments in SQL under the caller's row lock.
        await db.Accounts.Where(a => a.Id == accountId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.FailedLoginCount, a => a.FailedLoginCount + 1), cancellationToken);
        var until = now + settings.LockoutDuration;
        var locked = await db.Accounts.Where(a => a.Id == accountId && a.FailedLoginCount >= settings.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.LockoutEndsAt, until)
                .SetProperty(a => a.FailedLoginCount, 0), cancellationToken);
        if (locked > 0)
        {
            logger.LogWarning("Account {AccountId} locked out until {LockoutEndsAt:O} after {Attempts} wrong passwords", accountId, until, settings.MaxFailedAttempts);
            return new PasswordCheckResult.LockedOut(until);
        }

        logger.LogInformation("Wrong password for account {AccountId}", accountId);
        return new PasswordCheckResult.Invalid();
    }
}
