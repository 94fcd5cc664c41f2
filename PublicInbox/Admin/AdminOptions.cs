using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>One admin account; the hash comes from <c>PublicInbox.dll hash-password</c>.</summary>
public sealed class AdminUser
{
    /// <summary>Sign-in name (case-sensitive, at most 64 characters).</summary>
    public string Name { get; set; } = "";

    /// <summary>ASP.NET Core Identity <c>PasswordHasher</c> hash (V3, PBKDF2). Never the password itself.</summary>
    public string PasswordHash { get; set; } = "";
}

/// <summary>Settings of the admin pages (section <c>Admin</c>).</summary>
public sealed class AdminOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Admin";

    /// <summary>The admins (<c>Admin:Users:0:Name</c>, <c>Admin:Users:0:PasswordHash</c>). Default none: /admin then says it is not set up.</summary>
    public List<AdminUser> Users { get; set; } = [];

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.0.0.0/8</c>) allowed to open /admin at all; checked on every request. Default empty: any.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Wrong passwords in a row before the name is locked. Default 5.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked name stays locked. Default 15 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An admin session ends after this long without a request. Default 8 h.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Rows per page of the history. Default 50.</summary>
    [Range(10, 500)]
    public int PageSize { get; set; } = 50;

    /// <summary>Most rows in one CSV export. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int ExportMaxRows { get; set; } = 10_000;

    /// <summary>
    /// The dashboard's red line shows when no poller claimed for longer than this. Default unset: <c>Inbox:PollerSilenceThreshold</c>.
    /// </summary>
    public TimeSpan? PollerSilenceAlert { get; set; }

    /// <summary>
    /// Set to true on purpose to run /admin in Production without <see cref="AllowedNetworks"/> (open to any address).
    /// Default false: in Production with admins configured and no networks, the inbox does not start.
    /// </summary>
    public bool AllowAnyNetwork { get; set; }

    /// <summary>The start-up error when Production would expose /admin to every network.</summary>
    public const string OpenInProductionError =
        "Admin:AllowedNetworks: 在 Production 中不能为空（否则 /admin 对所有网络开放）：设为办公网段（CIDR，如 10.0.0.0/8），或确需如此时设 Admin:AllowAnyNetwork=true / " +
        "Admin:AllowedNetworks is empty, so in Production /admin would be open to every network. Set Admin:AllowedNetworks " +
        "(CIDR, e.g. 10.0.0.0/8) to the office's networks, or set Admin:AllowAnyNetwork=true if that is really intended.";

    /// <summary>False when /admin is set up in <paramref name="environment"/> Production with no network restriction and no explicit opt-out.</summary>
    public bool IsSafeFor(IHostEnvironment environment) => !environment.IsProduction() || !IsEnabled || AllowedNetworks.Count > 0 || AllowAnyNetwork;

    /// <summary>True when at least one admin is configured.</summary>
    public bool IsEnabled => Users.Count > 0;

    /// <summary>The parsed <see cref="AllowedNetworks"/>.</summary>
    public IReadOnlyList<IPNetwork> ParsedNetworks() =>
        AllowedNetworks.Select(n => IPNetwork.TryParse(n.Trim(), out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>().ToList();

    /// <summary>True when <paramref name="remote"/> may open /admin.</summary>
    public bool IsAllowed(IPAddress? remote, IReadOnlyList<IPNetwork> networks)
    {
        if (networks.Count == 0)
        {
            return true;
        }

        if (remote is null)
        {
            return false;
        }

        // Note: Kestrel reports IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d; 10.0.0.0/8 must still match.
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return networks.Any(n => n.Contains(address));
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(AllowedNetworks[i].Trim(), out _))
            {
                yield return new ValidationResult(
                    $"必须是 CIDR 网段，如 10.0.0.0/8 / Admin:AllowedNetworks entry '{AllowedNetworks[i]}' is not a CIDR network such as 10.0.0.0/8.",
                    [$"{nameof(AllowedNetworks)}:{i}"]);
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Users.Count; i++)
        {
            var user = Users[i];
            if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Length > 64)
            {
                yield return new ValidationResult("必须是 1 到 64 个字符的名字 / Every Admin:Users entry needs a Name of 1 to 64 characters.", [$"{nameof(Users)}:{i}:Name"]);
            }
            else if (!names.Add(user.Name))
            {
                yield return new ValidationResult($"管理员名字重复 / Admin:Users lists '{user.Name}' twice.", [$"{nameof(Users)}:{i}:Name"]);
            }

            // Note: the message never echoes the configured value: it may be the password itself, pasted by mistake.
            if (!AdminPasswords.LooksLikeHash(user.PasswordHash))
            {
                yield return new ValidationResult(
                    $"必须是 `dotnet PublicInbox.dll hash-password` 生成的哈希（不是密码本身） / Admin:Users '{user.Name}' needs a PasswordHash made by `dotnet PublicInbox.dll hash-password` (not the password itself).",
                    [$"{nameof(Users)}:{i}:PasswordHash"]);
            }
        }

        if (PollerSilenceAlert is { } alert && alert <= TimeSpan.Zero)
        {
            yield return new ValidationResult("必须是正的时间长度 / must be a positive duration", [nameof(PollerSilenceAlert)]);
        }
    }
}
