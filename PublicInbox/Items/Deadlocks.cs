using MySqlConnector;

namespace Weixin.Inbox.PublicInbox.Items;

/// <summary>Recognises a transaction the database rolled back as a deadlock victim, so its caller may run it once more.</summary>
/// <remarks>
/// Note: on a Galera cluster this is also how a certification conflict surfaces (a row changed through two nodes at
/// once: the second commit fails with 1213), so it happens far more often there than on one server (issue 15's
/// cluster test saw claims, completions and lease extensions meet it every run). EF Core's execution strategy wraps
/// what it considers transient (<c>InvalidOperationException</c> → <c>DbUpdateException</c> → <see cref="MySqlException"/>),
/// a raw SQL statement throws it bare: both are looked for along the inner exceptions.
/// </remarks>
public static class Deadlocks
{
    /// <summary>
    /// How often a claim, completion or lease extension runs before its deadlock reaches the caller: on a cluster two
    /// conflicts in a row on one request happen (claims race each other for the same pending rows); a third is not
    /// worth holding a poller's request for, and the poller retries anyway.
    /// </summary>
    public const int Attempts = 3;

    /// <summary>True when <paramref name="exception"/> or one of its inner exceptions is a deadlock or lock wait timeout.</summary>
    public static bool IsVictim(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout })
            {
                return true;
            }
        }

        return false;
    }
}
