using System.Security.Cryptography;
using MySqlConnector;

namespace Weixin.Inbox.Testing;

/// <summary>
/// Throwaway databases on the real MariaDB, with their own least-privilege user (DML only), dropped at the end.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string prefix)
    {
        Prefix = prefix;
        User = prefix + "_svc";
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    public string Prefix { get; }
    public string User { get; }
    public string Password { get; }
    public string InboxDatabase => Prefix + "_inbox";
    public string GatewayDatabase => Prefix + "_gateway";

    public static async Task<TestDatabase> CreateAsync()
    {
        var db = new TestDatabase("t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
        await db.ExecuteAsync(null, $"""
            CREATE DATABASE `{db.InboxDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE DATABASE `{db.GatewayDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER '{db.User}'@'127.0.0.1' IDENTIFIED BY '{db.Password}';
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{db.InboxDatabase}`.* TO '{db.User}'@'127.0.0.1';
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{db.GatewayDatabase}`.* TO '{db.User}'@'127.0.0.1';
            """);
        return db;
    }

    /// <summary>Connection string of the least-privilege user, as the services use it.</summary>
    /// <remarks>Same server as the admin (<c>WX_DB_ADMIN</c>), so a bench can run on another server, e.g. a Galera node.</remarks>
    public string ServiceConnection(string database) =>
        new MySqlConnectionStringBuilder(TestEnvironment.AdminConnectionString) { Database = database, UserID = User, Password = Password }.ConnectionString;

    /// <summary>Connection string of the admin, for migrations and for test inspection.</summary>
    public static string AdminConnection(string database) =>
        new MySqlConnectionStringBuilder(TestEnvironment.AdminConnectionString) { Database = database }.ConnectionString;

    public async Task ExecuteAsync(string? database, string sql)
    {
        await using var connection = new MySqlConnection(database is null ? TestEnvironment.AdminConnectionString : AdminConnection(database));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query as admin and returns the rows as dictionaries (column name → value).</summary>
    public Task<List<Dictionary<string, object?>>> QueryAsync(string database, string sql, params (string Name, object? Value)[] parameters) =>
        ThrowawayDatabase.QueryAsync(AdminConnection(database), sql, parameters);

    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("WX_KEEP_TEST_DATABASES") == "1")
        {
            return;
        }

        await ExecuteAsync(null, $"""
            DROP DATABASE IF EXISTS `{InboxDatabase}`;
            DROP DATABASE IF EXISTS `{GatewayDatabase}`;
            DROP USER IF EXISTS '{User}'@'127.0.0.1';
            """);
    }
}
