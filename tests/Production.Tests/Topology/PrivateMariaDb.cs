using System.Diagnostics;
using System.Security.Cryptography;
using MySqlConnector;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Production.Tests.Topology;

/// <summary>
/// A MariaDB server of the test's own (Debian's mariadbd, <c>--no-defaults</c>, its own datadir, socket and free port),
/// so the test can stop and start it without disturbing the shared instance on 3307 that other tests use. Started the
/// way db/start.sh starts the shared one (db/start.sh itself is bound to .data/mariadb and port 3307).
/// </summary>
public sealed class PrivateMariaDb : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _log;
    private Process? _process;

    private PrivateMariaDb(string directory)
    {
        _directory = directory;
        _log = Path.Combine(TestEnvironment.ResultsDirectory, "production-topology-mariadb.log");
        Port = TestEnvironment.FreePort();
        AdminPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public int Port { get; }

    public string AdminPassword { get; }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Admin connection (<c>wx_admin</c>, all privileges), optionally to one database.</summary>
    public string AdminConnection(string? database = null) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "wx_admin",
        Password = AdminPassword,
        Database = database ?? "",
        Pooling = false,
    }.ConnectionString;

    /// <summary>Initialises a datadir under <paramref name="directory"/> and starts the server.</summary>
    public static async Task<PrivateMariaDb> StartAsync(string directory)
    {
        var db = new PrivateMariaDb(directory);
        Directory.CreateDirectory(db.DataDirectory);
        var user = Environment.UserName;
        var install = await RunAsync(MariaDbTool("mariadb-install-db"),
            "--no-defaults", $"--datadir={db.DataDirectory}", $"--user={user}", "--auth-root-authentication-method=socket",
            "--skip-test-db", "--skip-name-resolve");
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"mariadb-install-db failed ({install.ExitCode}):\n{install.Output}");
        }

        // Note: the admin is created by an init file on every start (IF NOT EXISTS), so no client needs root's socket.
        await File.WriteAllTextAsync(Path.Combine(directory, "init.sql"), $"""
            CREATE USER IF NOT EXISTS 'wx_admin'@'127.0.0.1' IDENTIFIED BY '{db.AdminPassword}';
            GRANT ALL PRIVILEGES ON *.* TO 'wx_admin'@'127.0.0.1' WITH GRANT OPTION;
            """);
        await db.StartServerAsync();
        return db;
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts mariadbd and waits until the admin can connect.</summary>
    public async Task StartServerAsync()
    {
        var user = Environment.UserName;
        var start = new ProcessStartInfo(MariaDbTool("mariadbd"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     "--no-defaults", $"--datadir={DataDirectory}", $"--port={Port}", "--bind-address=127.0.0.1", $"--user={user}",
                     $"--socket={Path.Combine(_directory, "mariadb.sock")}", $"--pid-file={Path.Combine(_directory, "mariadb.pid")}",
                     $"--log-error={_log}", "--skip-name-resolve", "--character-set-server=utf8mb4",
                     "--collation-server=utf8mb4_unicode_ci", "--max-connections=300", $"--init-file={Path.Combine(_directory, "init.sql")}",
                     // Note: small buffers: the box has two cores and other databases; this one holds a few hundred rows.
                     "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--skip-log-bin",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("mariadbd did not start");
        ChildProcesses.Track(_process); // Note: killed with the test host if it ends without disposing.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited ({_process.ExitCode}) during start; see {_log}");
            }

            try
            {
                await using var connection = new MySqlConnection(AdminConnection());
                await connection.OpenAsync();
                return;
            }
            catch (MySqlException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"mariadbd did not accept connections within 60 s; see {_log}");
    }

    /// <summary>Stops the server the way a restart does (SIGTERM: InnoDB shuts down cleanly, connections are cut).</summary>
    public async Task StopServerAsync()
    {
        if (_process is { HasExited: false } process)
        {
            var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
    }

    /// <summary>Creates a database and a DML-only user for it, as db/create.sh does for the services.</summary>
    public async Task<string> CreateServiceDatabaseAsync(string database, string user, string password)
    {
        await ExecuteAsync($"""
            CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{user}'@'127.0.0.1';
            """);
        return new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)Port, Database = database, UserID = user, Password = password }.ConnectionString;
    }

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = new MySqlConnection(AdminConnection(database));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private static string MariaDbTool(string name) =>
        new[] { "/usr/sbin/" + name, "/usr/bin/" + name }.FirstOrDefault(File.Exists) ?? name;

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout + await stderr);
    }
}
