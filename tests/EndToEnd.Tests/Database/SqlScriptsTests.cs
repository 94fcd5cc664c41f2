using System.Diagnostics;
using MySqlConnector;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Database;

/// <summary>
/// The idempotent SQL in <c>db/sql/</c> is what a DBA applies by hand; it must build exactly the schema the
/// services' own migrations build (run <c>db/generate-sql.sh</c> after adding a migration).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SqlScriptsTests
{
    [Theory]
    [InlineData("PublicInbox", "weixin_inbox.sql")]
    [InlineData("IntranetPoller", "weixin_gateway.sql")]
    [InlineData("CrmApp", "crm.sql")]
    public async Task Script_AppliedTwice_BuildsTheSameSchemaAsTheMigrations(string project, string script)
    {
        var stem = "sq" + Guid.NewGuid().ToString("N")[..8];
        var migrated = stem + "_m";
        var scripted = stem + "_s";
        await ExecuteAsync($"CREATE DATABASE `{migrated}`; CREATE DATABASE `{scripted}`;");
        try
        {
            await ServiceProcess.RunToCompletionAsync(project,
                new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(migrated) }, "migrate");
            var path = Path.Combine(TestEnvironment.RepoRoot, "db", "sql", script);
            await ApplyScriptAsync(scripted, path);
            await ApplyScriptAsync(scripted, path);

            var expected = await SchemaAsync(migrated);
            var actual = await SchemaAsync(scripted);

            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual);
        }
        finally
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS `{migrated}`; DROP DATABASE IF EXISTS `{scripted}`;");
        }
    }

    private static async Task<List<string>> SchemaAsync(string database)
    {
        await using var connection = new MySqlConnection(TestEnvironment.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', IFNULL(COLLATION_NAME, ''))
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @db
            UNION ALL
            SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, ' ', NON_UNIQUE, ' ', SEQ_IN_INDEX, ' ', COLUMN_NAME)
              FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @db
            ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue("@db", database);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task ApplyScriptAsync(string database, string path)
    {
        var admin = new MySqlConnectionStringBuilder(TestEnvironment.AdminConnectionString);
        var start = new ProcessStartInfo("mariadb")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", admin.Server, "-P", admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", admin.UserID, database })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MYSQL_PWD"] = admin.Password;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(await File.ReadAllTextAsync(path));
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"mariadb < {Path.GetFileName(path)} failed: {await errors}");
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection(TestEnvironment.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
