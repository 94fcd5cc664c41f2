using System.Security.Cryptography;
using MySqlConnector;

namespace Weixin.Inbox.Testing;

/// <summary>
/// A database of its own on the real MariaDB (127.0.0.1:3307), with a least-privilege user (DML only) the way
/// the service runs, dropped on dispose. The admin comes from <c>WX_DB_ADMIN</c> or <c>.data/secrets.env</c>.
/// </summary>
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    private ThrowawayDatabase(string name)
    {
        Name = name;
        User = name + "_svc";
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    /// <summary>Database name (also the stem of the user name).</summary>
    public string Name { get; }

    /// <summary>The DML-only user.</summary>
    public string User { get; }

    /// <summary>The DML-only user's password.</summary>
    public string Password { get; }

    /// <summary>Connection of the DML-only user, as the service connects.</summary>
    public string ServiceConnectionString =>
        new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = 3307, Database = Name, UserID = User, Password = Password }.ConnectionString;

    /// <summary>Admin connection to this database (migrations, inspection).</summary>
    public string AdminConnectionString => new MySqlConnectionStringBuilder(AdminServerConnectionString) { Database = Name }.ConnectionString;

    /// <summary>Admin connection without a database.</summary>
    public static string AdminServerConnectionString => TestEnvironment.AdminConnectionString;

    /// <summary>Creates <c>{stem}_{random}</c> and its DML-only user.</summary>
    public static async Task<ThrowawayDatabase> CreateAsync(string stem)
    {
        var db = new ThrowawayDatabase($"{stem}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}");
        await ExecuteAdminAsync(null, $"""
            CREATE DATABASE `{db.Name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER '{db.User}'@'127.0.0.1' IDENTIFIED BY '{db.Password}';
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{db.Name}`.* TO '{db.User}'@'127.0.0.1';
            """);
        return db;
    }

    /// <summary>Runs SQL as admin in this database.</summary>
    public Task ExecuteAsync(string sql) => ExecuteAdminAsync(Name, sql);

    /// <summary>Reads one scalar as admin.</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Rows of a query as admin in this database (column names case-insensitive).</summary>
    public Task<List<Dictionary<string, object?>>> QueryAsync(string sql, params (string Name, object? Value)[] parameters) =>
        QueryAsync(AdminConnectionString, sql, parameters);

    /// <summary>Rows of a query on <paramref name="connectionString"/> (column names case-insensitive).</summary>
    public static async Task<List<Dictionary<string, object?>>> QueryAsync(string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async ValueTask DisposeAsync() =>
        await ExecuteAdminAsync(null, $"""
            DROP DATABASE IF EXISTS `{Name}`;
            DROP USER IF EXISTS '{User}'@'127.0.0.1';
            """);

    private static async Task ExecuteAdminAsync(string? database, string sql)
    {
        var connectionString = database is null
            ? AdminServerConnectionString
            : new MySqlConnectionStringBuilder(AdminServerConnectionString) { Database = database }.ConnectionString;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

}
