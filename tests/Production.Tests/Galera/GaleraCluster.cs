using System.Diagnostics;
using System.Security.Cryptography;
using MySqlConnector;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Production.Tests.Galera;

/// <summary>
/// The three-node MariaDB Galera cluster of <c>db/galera/start.sh</c> (Debian's mariadb-server + galera-4), started and
/// stopped through those scripts, with a throwaway inbox database and a DML-only user on it for one test.
/// </summary>
public sealed class GaleraCluster : IAsyncDisposable
{
    /// <summary>Client port of node 1 (the scripts' default base, <c>WX_GALERA_PORT</c>); node N listens on base + N - 1.</summary>
    public static int BasePort { get; } = int.TryParse(Environment.GetEnvironmentVariable("WX_GALERA_PORT"), out var p) ? p : 3310;

    private bool _startedHere;

    private GaleraCluster(string stem)
    {
        Database = stem + "_inbox";
        User = stem + "_svc";
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public string Database { get; }
    public string User { get; }
    public string Password { get; }

    public static int ClientPort(int node) => BasePort + node - 1;

    /// <summary>Starts the cluster (idempotent: a running one is reused, a killed node rejoins) and creates the test's database.</summary>
    public static async Task<GaleraCluster> StartAsync()
    {
        var cluster = new GaleraCluster("g" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
        // Note: a cluster someone left running (a developer's) is reused and left running; one this test started is stopped.
        cluster._startedHere = !await AnswersAsync(1);
        await RunScriptAsync("start.sh");
        await cluster.AdminExecuteAsync(1, null, $"""
            CREATE DATABASE `{cluster.Database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER '{cluster.User}'@'127.0.0.1' IDENTIFIED BY '{cluster.Password}';
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{cluster.Database}`.* TO '{cluster.User}'@'127.0.0.1';
            """);
        return cluster;
    }

    /// <summary>The DML-only user's connection through node <paramref name="node"/>, as an inbox instance connects.</summary>
    public string ServiceConnection(int node) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1", Port = (uint)ClientPort(node), Database = Database, UserID = User, Password = Password,
    }.ConnectionString;

    /// <summary>The admin (<c>wx_admin</c>, created by start.sh with the 3307 instance's password) through node <paramref name="node"/>.</summary>
    public string AdminConnection(int node, string? database = "") => new MySqlConnectionStringBuilder(TestEnvironment.AdminConnectionString)
    {
        Port = (uint)ClientPort(node), Database = database == "" ? Database : database ?? "",
    }.ConnectionString;

    public async Task AdminExecuteAsync(int node, string? database, string sql)
    {
        await using var connection = new MySqlConnection(AdminConnection(node, database));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task<List<Dictionary<string, object?>>> QueryAsync(int node, string sql, params (string Name, object? Value)[] parameters) =>
        ThrowawayDatabase.QueryAsync(AdminConnection(node), sql, parameters);

    /// <summary>A global status value of node <paramref name="node"/> (e.g. <c>wsrep_cluster_size</c>).</summary>
    public async Task<string?> StatusAsync(int node, string name)
    {
        var rows = await ThrowawayDatabase.QueryAsync(AdminConnection(node, null), "SHOW GLOBAL STATUS LIKE @name", ("@name", name));
        return rows.Count == 0 ? null : Convert.ToString(rows[0]["Value"], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL of node <paramref name="node"/>'s mariadbd, as a crash: no shutdown, no goodbye to the group.</summary>
    public static void Kill(int node)
    {
        var pidFile = Path.Combine(TestEnvironment.RepoRoot, ".data", "galera", $"node{node}", "mariadb.pid");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_startedHere)
            {
                await RunScriptAsync("stop.sh");
                return;
            }

            // Note: rejoins the node the test killed, so the cluster the test found is whole again.
            await RunScriptAsync("start.sh");
            await AdminExecuteAsync(1, null, $"DROP DATABASE IF EXISTS `{Database}`; DROP USER IF EXISTS '{User}'@'127.0.0.1';");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Galera cluster clean-up failed: {ex.Message}");
        }
    }

    private static async Task<bool> AnswersAsync(int node)
    {
        try
        {
            await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(TestEnvironment.AdminConnectionString)
            {
                Port = (uint)ClientPort(node), ConnectionTimeout = 2, Pooling = false,
            }.ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    private static async Task RunScriptAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestEnvironment.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(TestEnvironment.RepoRoot, "db", "galera", script));
        start.Environment["WX_GALERA_PORT"] = BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        var output = await stdout + await stderr;
        await File.AppendAllTextAsync(Path.Combine(TestEnvironment.ResultsDirectory, "galera-scripts.log"), $"== {DateTime.UtcNow:O} db/galera/{script}\n{output}\n");
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"db/galera/{script} exited {process.ExitCode}:\n{output}");
        }
    }
}
