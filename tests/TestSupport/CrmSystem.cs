using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Weixin.Inbox.Testing;

/// <summary>
/// The login pipeline (<see cref="LoginSystem"/>) with the real CrmApp as the LAN app: its own throwaway <c>crm</c>
/// database (migrated by <c>CrmApp.dll migrate</c>, seeded by <c>CrmApp.dll seed</c>) and its process on a free port.
/// </summary>
public sealed class CrmSystem : IAsyncDisposable
{
    private CrmSystem(LoginSystem login, ServiceProcess crm, string crmDatabase, string adminPassword, IReadOnlyDictionary<string, string> environment)
    {
        Login = login;
        Crm = crm;
        CrmDatabase = crmDatabase;
        AdminPassword = adminPassword;
        Settings = environment;
    }

    public LoginSystem Login { get; }
    public ServiceProcess Crm { get; }
    public string CrmDatabase { get; }

    /// <summary>Password of the seeded <c>admin</c> account.</summary>
    public string AdminPassword { get; }

    public Uri BaseAddress => Crm.BaseAddress;

    /// <summary>The settings the CrmApp process runs with.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <param name="crmSettings">Extra CrmApp settings (environment names), applied over the defaults below.</param>
    public static async Task<CrmSystem> StartAsync(string? name = null, LoginSystemSettings? settings = null, IReadOnlyDictionary<string, string>? crmSettings = null)
    {
        var crmPort = TestEnvironment.FreePort();
        var crmBase = new Uri($"http://127.0.0.1:{crmPort}/");
        var login = await LoginSystem.StartAsync((settings ?? new LoginSystemSettings()) with { AppBaseAddress = crmBase }, name);
        var database = login.Database;
        var crmDatabase = database.Prefix + "_crm";
        var logPrefix = name ?? database.Prefix;
        var adminPassword = "Adm" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "9";
        ServiceProcess? crm = null;
        try
        {
            await database.ExecuteAsync(null, $"""
                CREATE DATABASE `{crmDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
                GRANT SELECT, INSERT, UPDATE, DELETE ON `{crmDatabase}`.* TO '{database.User}'@'127.0.0.1';
                """);
            await ServiceProcess.RunToCompletionAsync("CrmApp",
                new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(crmDatabase) }, "migrate");
            await ServiceProcess.RunToCompletionAsync("CrmApp", new Dictionary<string, string>
            {
                ["ConnectionStrings__Crm"] = database.ServiceConnection(crmDatabase),
                ["Seed__AdminPassword"] = adminPassword,
            }, "seed");

            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Crm"] = database.ServiceConnection(crmDatabase),
                ["Gateway__BaseUrl"] = login.Poller.BaseAddress.ToString(),
                ["Gateway__ClientKey"] = login.GatewayKey,
                ["Gateway__HookKeys__0"] = login.HookKey,
                ["Gateway__PublicBaseUrl"] = crmBase.ToString().TrimEnd('/'),
                // Note: due reminders are picked up within a second, so tests wait on delivery, not on the schedule.
                ["Notifications__ReminderPollInterval"] = "00:00:01",
                // Note: statuses move on only when a test asks (「刷新状态」, 「通知」), so what a test sees before and
                // after its own refresh is deterministic; BackgroundRefreshTests turns the job's refresh on.
                ["Notifications__BackgroundStatusRefresh"] = "false",
            };
            foreach (var (key, value) in crmSettings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            crm = new ServiceProcess("crm", "CrmApp", crmPort, environment, logPrefix);
            await crm.StartAsync();
            return new CrmSystem(login, crm, crmDatabase, adminPassword, environment);
        }
        catch
        {
            // Note: a half-started system must not leave processes or databases behind.
            if (crm is not null)
            {
                await crm.DisposeAsync();
            }

            await DropAsync(database, crmDatabase);
            await login.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts another CrmApp process on the same database (another instance behind the load balancer), with
    /// <paramref name="changes"/> applied to the settings; dispose it at the end.
    /// </summary>
    public async Task<ServiceProcess> StartAnotherInstanceAsync(string name, IReadOnlyDictionary<string, string> changes)
    {
        var environment = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in changes)
        {
            environment[key] = value;
        }

        var process = new ServiceProcess(name, "CrmApp", TestEnvironment.FreePort(), environment, CrmDatabase);
        try
        {
            await process.StartAsync();
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return process;
    }

    /// <summary>Adds a fresh WeChat user to the simulator; returns its openid.</summary>
    public Task<string> AddWeixinUserAsync(string nickname) => Login.AddWeixinUserAsync(nickname);

    /// <summary>A user name no other test uses (letters and digits, lower case).</summary>
    public static string NewUserName(string prefix = "u") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>Creates a CRM account directly in the database (as an administrator would); returns its id.</summary>
    /// <param name="role">
    /// <c>admin</c> (管理员, sees every customer: what tests written before roles expect) or <c>sales</c> (销售, sees the
    /// customers they own).
    /// </param>
    /// <param name="status"><c>active</c>, <c>pending</c> or <c>disabled</c>.</param>
    public async Task<int> CreateAccountAsync(string userName, string displayName, string password, string? weixinOpenId = null, string role = "admin", string status = "active")
    {
        // Note: the same hasher CrmApp uses (ASP.NET Core Identity's PBKDF2 format does not depend on the user type).
        var hash = new PasswordHasher<object>().HashPassword(new object(), password);
        var rows = await QueryAsync("""
            INSERT INTO accounts (user_name, display_name, password_hash, weixin_open_id, weixin_bound_at, failed_login_count, created_at, role, status, security_stamp)
            VALUES (@u, @d, @h, @o, IF(@o IS NULL, NULL, UTC_TIMESTAMP(6)), 0, UTC_TIMESTAMP(6), @r, @s, LOWER(HEX(RANDOM_BYTES(16))));
            SELECT LAST_INSERT_ID() AS id;
            """, ("@u", userName), ("@d", displayName), ("@h", hash), ("@o", weixinOpenId), ("@r", role), ("@s", status));
        return Convert.ToInt32(rows.Single()["id"], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a query on the CRM database as admin.</summary>
    public Task<List<Dictionary<string, object?>>> QueryAsync(string sql, params (string Name, object? Value)[] parameters) =>
        Login.Database.QueryAsync(CrmDatabase, sql, parameters);

    public async ValueTask DisposeAsync()
    {
        await Crm.DisposeAsync();
        await DropAsync(Login.Database, CrmDatabase);
        await Login.DisposeAsync();
    }

    private static async Task DropAsync(TestDatabase database, string crmDatabase)
    {
        if (Environment.GetEnvironmentVariable("WX_KEEP_TEST_DATABASES") != "1")
        {
            await database.ExecuteAsync(null, $"DROP DATABASE IF EXISTS `{crmDatabase}`;");
        }
    }
}
