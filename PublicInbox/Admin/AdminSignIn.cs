using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>What a sign-in attempt came to.</summary>
/// <param name="User">The admin, when the password was right.</param>
/// <param name="LockedUntil">Set when the name is (now) locked.</param>
/// <param name="FailuresLeft">Wrong passwords still allowed before the lock.</param>
public sealed record SignInOutcome(AdminUser? User, DateTime? LockedUntil, int FailuresLeft);

/// <summary>
/// Password check with a lockout kept in MySQL (<c>admin_sign_in_locks</c>), so every inbox instance counts the same
/// failures. Every attempt is audited.
/// </summary>
public sealed class AdminSignIn(InboxDbContext db, AdminAudit audit, TimeProvider time, IOptions<AdminOptions> options, ILogger<AdminSignIn> logger)
{
    private sealed record LockRow(int Failures, DateTime? LockedUntil);

    public async Task<SignInOutcome> AttemptAsync(string name, string password, string? remoteIp, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        name = name.Trim();
        var key = name.Length <= 64 ? name : name[..64];

        var current = await ReadLockAsync(key, cancellationToken);
        if (current?.LockedUntil is { } until && until > now)
        {
            // Note: while locked the password is not even checked, so guessing on goes nowhere.
            await audit.WriteAsync(key, AdminAuditActions.SignInLocked, remoteIp, null, $"refused: locked until {until:O}", cancellationToken);
            logger.LogWarning("Admin sign-in as {AdminName} from {RemoteIp} refused: locked until {LockedUntil}", key, remoteIp, until);
            return new SignInOutcome(null, until, 0);
        }

        var user = settings.Users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal));
        if (AdminPasswords.Verify(user, password))
        {
            await db.AdminSignInLocks.Where(l => l.UserName == key).ExecuteDeleteAsync(cancellationToken);
            await audit.WriteAsync(user!.Name, AdminAuditActions.SignInOk, remoteIp, null, null, cancellationToken);
            logger.LogInformation("Admin {AdminName} signed in from {RemoteIp}", user.Name, remoteIp);
            return new SignInOutcome(user, null, settings.MaxFailedAttempts);
        }

        var lockUntil = now + settings.LockoutDuration;
        var stale = now - settings.LockoutDuration;
        // Note: one atomic upsert, so failures through several instances at once are all counted. Assignments run left
        // to right: locked_until sees the new failures. Old failures (and an ended lock) start the count again.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO admin_sign_in_locks (user_name, failures, last_failure_at, locked_until)
            VALUES ({key}, 1, {now}, IF(1 >= {settings.MaxFailedAttempts}, {lockUntil}, NULL))
            ON DUPLICATE KEY UPDATE
              failures = IF(last_failure_at < {stale} OR (locked_until IS NOT NULL AND locked_until <= {now}), 1, failures + 1),
              last_failure_at = {now},
              locked_until = IF(failures >= {settings.MaxFailedAttempts}, {lockUntil}, NULL)
            """, cancellationToken);
        var after = await ReadLockAsync(key, cancellationToken);
        var failures = after?.Failures ?? 1;
        if (after?.LockedUntil is { } locked)
        {
            await audit.WriteAsync(key, AdminAuditActions.SignInLocked, remoteIp, null, $"{failures} wrong passwords; locked until {locked:O}", cancellationToken);
            logger.LogWarning("Admin name {AdminName} locked after {Failures} failed sign-ins (last from {RemoteIp})", key, failures, remoteIp);
            return new SignInOutcome(null, locked, 0);
        }

        await audit.WriteAsync(key, AdminAuditActions.SignInFailed, remoteIp, null,
            user is null ? $"unknown name; failure {failures}/{settings.MaxFailedAttempts}" : $"wrong password; failure {failures}/{settings.MaxFailedAttempts}", cancellationToken);
        logger.LogWarning("Admin sign-in as {AdminName} from {RemoteIp} failed ({Failures}/{MaxFailures})", key, remoteIp, failures, settings.MaxFailedAttempts);
        return new SignInOutcome(null, null, Math.Max(0, settings.MaxFailedAttempts - failures));
    }

    private async Task<LockRow?> ReadLockAsync(string key, CancellationToken cancellationToken) =>
        await db.AdminSignInLocks.AsNoTracking().Where(l => l.UserName == key)
            .Select(l => new LockRow(l.Failures, l.LockedUntil)).SingleOrDefaultAsync(cancellationToken);
}
