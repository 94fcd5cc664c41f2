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

    /// <summary>
    /// A TCP port that was free a moment ago on 127.0.0.1, outside the kernel's ephemeral range and never handed out twice
    /// by this process.
    /// </summary>
    /// <remarks>
    /// Why not port 0: the kernel picks it from the ephemeral range (<c>ip_local_port_range</c>), the same range it takes the
    /// local port of every outgoing connection from. Between the moment the test releases it and the moment the service
    /// binds it, a connection (nginx to an upstream, a client to MariaDB) could take it: a CI run failed with "address
    /// already in use" that way. Below the ephemeral range only an explicit bind takes a port, and the counter keeps two
    /// services of one test run apart; the random start keeps two test processes apart.
    /// </remarks>
    public static int FreePort()
    {
        if (PortRange.Count < 1000)
        {
            // Note: a kernel whose ephemeral range leaves no room (e.g. 1024-65535): the old way, race and all.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        for (var attempt = 0; attempt < PortRange.Count; attempt++)
        {
            var offset = (int)((uint)Interlocked.Increment(ref _nextPortOffset) % (uint)PortRange.Count);
            var candidate = PortRange.First + offset;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return candidate;
            }
            catch (SocketException)
            {
                // Taken by something else on the box: try the next one.
            }
        }

        throw new InvalidOperationException($"no free TCP port in {PortRange.First}-{PortRange.First + PortRange.Count - 1} on 127.0.0.1");
    }

    private static readonly (int First, int Count) PortRange = NonEphemeralPorts();

    private static int _nextPortOffset = Random.Shared.Next(0, Math.Max(PortRange.Count, 1));

    /// <summary>Ports 10000 up to the start of the ephemeral range (32768 on Linux by default), or above its end.</summary>
    private static (int First, int Count) NonEphemeralPorts()
    {
        int low = 32768, high = 60999;
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            low = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            high = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            // Not Linux, or /proc unreadable: keep Linux's default range.
        }

        const int First = 10000;
        return low - First >= 1000 ? (First, low - First) : (high + 1, 65535 - high);
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
