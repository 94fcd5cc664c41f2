namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>One admin action (or the retention job's purge): who, when, from where, what. Times are UTC.</summary>
public sealed class AdminAuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>The admin's name, or <c>retention</c> for the job.</summary>
    public required string Actor { get; set; }

    /// <summary>See <see cref="AdminAuditActions"/>.</summary>
    public required string Action { get; set; }
    public string? RemoteIp { get; set; }
    public long? ItemId { get; set; }
    public string? Detail { get; set; }
}

/// <summary>Names of <see cref="AdminAuditEntry.Action"/>.</summary>
public static class AdminAuditActions
{
    public const string SignInOk = "sign_in_ok";
    public const string SignInFailed = "sign_in_failed";
    public const string SignInLocked = "sign_in_locked";
    public const string SignOut = "sign_out";
    public const string ViewItem = "view_item";
    public const string ExportCsv = "export_csv";
    public const string Requeue = "requeue";
    public const string RetentionPurge = "retention_purge";

    public static readonly IReadOnlyList<string> All = [SignInOk, SignInFailed, SignInLocked, SignOut, ViewItem, ExportCsv, Requeue, RetentionPurge];
}

/// <summary>
/// Failed sign-ins per user name and client address, shared by every inbox instance (so the lockout holds behind a
/// load balancer). A row exists only while there are recent failures. Owner: <c>Admin/AdminSignIn</c> (the retention
/// purge deletes stale rows).
/// </summary>
public sealed class AdminSignInLock
{
    public required string UserName { get; set; }

    /// <summary>The client's address (IPv6: its /64, see <c>RateLimits/ClientAddress</c>), as resolved through <c>Inbox:TrustedProxies</c>.</summary>
    public required string RemoteAddress { get; set; }
    public int Failures { get; set; }
    public DateTime LastFailureAt { get; set; }
    public DateTime? LockedUntil { get; set; }
}

/// <summary>One run of the retention job and what it removed.</summary>
public sealed class RetentionRun
{
    public long Id { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime FinishedAt { get; set; }
    public DateTime PayloadCutoff { get; set; }
    public DateTime MetadataCutoff { get; set; }
    public int PayloadsPurged { get; set; }
    public int ItemsDeleted { get; set; }
    public int EventsDeleted { get; set; }
}
