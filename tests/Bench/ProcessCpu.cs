using System.Globalization;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// CPU time (user + system, from /proc/&lt;pid&gt;/stat) of each process taking part in a bench run, sampled before and
/// after the measured part. Issue 14: on a 2-core box shared with builds, messages per second swing ±20 % between
/// minutes, while CPU seconds per message barely move with other load, so they are the figure two builds compare on.
/// </summary>
public sealed class ProcessCpu
{
    private readonly IReadOnlyList<(string Name, int Pid)> _processes;
    private Dictionary<string, double> _start = [];

    private ProcessCpu(IReadOnlyList<(string Name, int Pid)> processes) => _processes = processes;

    /// <summary>The named services (found by their <c>--urls</c>), MariaDB on the tests' port, and this bench process.</summary>
    /// <remarks>
    /// Note: MariaDB is shared with whatever else uses the box's test database at the same time; its share is only this
    /// run's when nothing else does.
    /// </remarks>
    public static ProcessCpu Of(params ServiceProcess[] services)
    {
        var list = services.Select(s => (s.Name, PidOf(s))).ToList();
        if (MariaDbPid() is { } db)
        {
            list.Add(("mariadb", db));
        }

        list.Add(("bench", Environment.ProcessId));
        return new ProcessCpu(list);
    }

    public void Start() => _start = _processes.ToDictionary(p => p.Name, p => CpuSeconds(p.Pid));

    /// <summary>
    /// One script-readable line: CPU milliseconds per message of each process, and the product's total (inbox + poller,
    /// without the simulator playing WeChat, the bench's own client and hook, and MariaDB).
    /// </summary>
    public string Summary(int messages, params string[] product)
    {
        var used = _processes.ToDictionary(p => p.Name, p => CpuSeconds(p.Pid) - _start[p.Name]);
        var perMessage = used.ToDictionary(u => u.Key, u => 1000.0 * u.Value / messages);
        var productMs = product.Where(perMessage.ContainsKey).Sum(p => perMessage[p]);
        var parts = string.Join(' ', perMessage.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:F2}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"cpu-ms-per-message: {parts} product={productMs:F2} all={perMessage.Values.Sum():F2}");
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted after the command name; clock ticks of 10 ms on Linux.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The <c>dotnet &lt;dll&gt; --urls http://127.0.0.1:&lt;port&gt;</c> process ServiceProcess started.</summary>
    public static int PidOf(ServiceProcess service)
    {
        var urls = service.BaseAddress.ToString().TrimEnd('/');
        return Find(cmdline => cmdline.Length >= 4 && Path.GetFileName(cmdline[0]) == "dotnet"
            && cmdline.SkipWhile(a => a != "--urls").Skip(1).Take(1).Contains(urls))
            ?? throw new InvalidOperationException($"{service.Name}: no dotnet process with --urls {urls}");
    }

    private static int? MariaDbPid()
    {
        // Note: the tests' MariaDB listens on 3307 (TestEnvironment's admin connection string).
        return Find(cmdline => cmdline.Length > 0 && Path.GetFileName(cmdline[0]) is "mariadbd" or "mysqld"
            && cmdline.Any(a => a == "--port=3307"));
    }

    private static int? Find(Func<string[], bool> match)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (match(File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries)))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }
}
