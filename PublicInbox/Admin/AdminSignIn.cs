using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.RateLimits;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>What a sign-in attempt came to.</summary>
/// <param name="User">The admin, when the password was right.</param>
/// <param name="LockedUntil">Set when the name is (now) locked for this client address.</param>
/// <param name="FailuresLeft">Wrong passwords still allowed before the lock.</param>
public sealed record SignInOutcome(AdminUser? User, DateTime? LockedUntil, int FailuresLeft);

/// <summary>
/// Password check with a lockout kept in MySQL (<c>admin_sign_in_locks</c>, the table's one writer besides the
/// retention purge of stale rows), so every inbox instance counts the same failures. The lockout is per name
/// <i>and</i> client address (<see cref="ClientAddress.Key(System.Net.IPAddress?)"/>): wrong passwords from the internet lock
/// only the guesser's own (name, address), never the office's admin. Spraying names from one address is limited
/// apart (<see cref="AdminSignInPolicy"/>). Every attempt is audited.
/// </summary>
public sealed class AdminSignIn(InboxDbContext db, AdminAudit audit, TimeProvider time, IOptions<AdminOptions> options, ILogger<AdminSignIn> logger)
{
    public async Task<SignInOutcome> AttemptAsync(string name, string password, System.Net.IPAddress? remote, CancellationToken cancellationToken)
    {
        var remoteIp = remote is null ? null : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
        var address = ClientAddress.Key(remote);
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        name = name.Trim();
        var key = name.Length <= 64 ? name : name[..64];

        var lockUntil = now + settings.LockoutDuration;
        var stale = now - settings.LockoutDuration;
        var user = settings.Users.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.Ordinal));

        // Note: the lock row is taken FOR UPDATE before the password is checked, so attempts on one (name, address) are counted
        // one after another across every instance; checking first and counting after would let a burst of parallel
        // guesses all be tried before the first failure is recorded. The row must exist to be locked (no gap locks).
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT IGNORE INTO admin_sign_in_locks (user_name, remote_address, failures, last_failure_at, locked_until) VALUES ({key}, {address}, 0, {now}, NULL)", cancellationToken);
        DateTime? lockedUntil;
        int failures;
        bool verified;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var current = (await db.Database.SqlQuery<LockState>($"""
                SELECT failures AS Failures, last_failure_at AS LastFailureAt, locked_until AS LockedUntil
                FROM admin_sign_in_locks WHERE user_name = {key} AND remote_address = {address} FOR UPDATE
                """).ToListAsync(cancellationToken)).Single();
            if (current.LockedUntil is { } until && until > now)
            {
                await transaction.CommitAsync(cancellationToken);
                // Note: while locked the password is not even checked, so guessing on goes nowhere.
                await audit.WriteAsync(key, AdminAuditActions.SignInLocked, remoteIp, null, $"refused: locked until {until:O}", cancellationToken);
                logger.LogWarning("Admin sign-in as {AdminName} from {RemoteIp} refused: locked for that address until {LockedUntil}", key, remoteIp, until);
                return new SignInOutcome(null, until, 0);
            }

            verified = AdminPasswords.Verify(user, password);
            if (verified)
            {
                // Note: only this address's count is cleared; a guesser elsewhere stays locked.
                await db.AdminSignInLocks.Where(l => l.UserName == key && l.RemoteAddress == address).ExecuteDeleteAsync(cancellationToken);
                failures = 0;
                lockedUntil = null;
            }
            else
            {
                // Note: old failures (and an ended lock) start the count again.
                failures = current.LastFailureAt < stale || current.LockedUntil is not null ? 1 : current.Failures + 1;
                lockedUntil = failures >= settings.MaxFailedAttempts ? lockUntil : null;
                await db.Database.ExecuteSqlInterpolatedAsync($"""
                    UPDATE admin_sign_in_locks SET failures = {failures}, last_failure_at = {now}, locked_until = {lockedUntil}
                    WHERE user_name = {key} AND remote_address = {address}
                    """, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (verified)
        {
            await audit.WriteAsync(user!.Name, AdminAuditActions.SignInOk, remoteIp, null, null, cancellationToken);
            logger.LogInformation("Admin {AdminName} signed in from {RemoteIp}", user.Name, remoteIp);
            return new SignInOutcome(user, null, settings.MaxFailedAttempts);
        }

        if (lockedUntil is { } locked)
        {
            await audit.WriteAsync(key, AdminAuditActions.SignInLocked, remoteIp, null, $"{failures} wrong passwords; locked until {locked:O}", cancellationToken);
            logger.LogWarning("Admin name {AdminName} locked for {RemoteAddress} after {Failures} failed sign-ins from there", key, address, failures);
            return new SignInOutcome(null, locked, 0);
        }

        await audit.WriteAsync(key, AdminAuditActions.SignInFailed, remoteIp, null,
            user is null ? $"unknown name; failure {failures}/{settings.MaxFailedAttempts}" : $"wrong password; failure {failures}/{settings.MaxFailedAttempts}", cancellationToken);
        logger.LogWarning("Admin sign-in as {AdminName} from {RemoteIp} failed ({Failures}/{MaxFailures})", key, remoteIp, failures, settings.MaxFailedAttempts);
        return new SignInOutcome(null, null, Math.Max(0, settings.MaxFailedAttempts - failures));
    }

    private sealed record LockState(int Failures, DateTime LastFailureAt, DateTime? LockedUntil);
}
