using System.Net;
using System.Net.Sockets;

namespace Weixin.Inbox.Testing;

/// <summary>Where things are on this machine: the repo, the database admin, Chromium.</summary>
public static class TestEnvironment
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Configuration { get; } = Environment.GetEnvironmentVariable("WX_BUILD_CONFIGURATION") ?? "Debug";

    public static string ChromiumPath { get; } = Environment.GetEnvironmentVariable("WX_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Folder for logs and screenshots of this test run.</summary>
    public static string ResultsDirectory { get; } = Directory.CreateDirectory(Path.Combine(RepoRoot, "test-results", "artifacts")).FullName;

    /// <summary>Admin connection to the private MariaDB (no database selected).</summary>
    public static string AdminConnectionString { get; } = FindAdminConnectionString();

    public static string ServiceDll(string project) => project switch
    {
        "WeixinSimulator" => Path.Combine(RepoRoot, "tests", "WeixinSimulator", "bin", Configuration, "net10.0", "WeixinSimulator.dll"),
        _ => Path.Combine(RepoRoot, project, "bin", Configuration, "net10.0", project + ".dll"),
    };

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("WX_REPO_ROOT") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Weixin.Inbox.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Weixin.Inbox.sln) above " + AppContext.BaseDirectory);
    }

    private static string FindAdminConnectionString()
    {
        if (Environment.GetEnvironmentVariable("WX_DB_ADMIN") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        var secrets = Path.Combine(RepoRoot, ".data", "secrets.env");
        if (File.Exists(secrets))
        {
            foreach (var line in File.ReadAllLines(secrets))
            {
                if (line.StartsWith("WX_ADMIN_PASSWORD=", StringComparison.Ordinal))
                {
                    var password = line["WX_ADMIN_PASSWORD=".Length..].Trim().Trim('"', '\'');
                    return $"Server=127.0.0.1;Port=3307;User ID=wx_admin;Password={password}";
                }
            }
        }

        throw new InvalidOperationException("No database admin: run `./run.sh db` first, or set WX_DB_ADMIN.");
    }
}
