namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>What every unit of deploy/systemd must say (issue 15 item 2), as a list of problems (empty = fine).</summary>
public static class UnitChecks
{
    /// <summary>The hardening lines (systemd.exec(5)) every unit keeps, with their exact values.</summary>
    public static readonly IReadOnlyList<(string Key, string Value)> Hardening =
    [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
    ];

    public static List<string> Problems(DeployedService service, string text)
    {
        var unit = UnitFile.Parse(text);
        var problems = new List<string>(unit.Problems);
        foreach (var section in new[] { "Unit", "Service", "Install" })
        {
            if (!unit.Sections.Contains(section))
            {
                problems.Add($"no [{section}] section");
            }
        }

        void Expect(string key, string expected)
        {
            var actual = unit.Last("Service", key);
            if (actual != expected)
            {
                problems.Add($"{key}={actual ?? "(missing)"}, expected {key}={expected}");
            }
        }

        foreach (var (key, value) in Hardening)
        {
            Expect(key, value);
        }

        Expect("User", $"weixin-{service.Name}");
        Expect("WorkingDirectory", $"/opt/weixin/{service.Project}");
        Expect("ExecStart", $"/usr/bin/dotnet {service.InstalledDll}");
        // Note: the configuration is checked before every start: a bad setting names its key in the journal, no start.
        Expect("ExecStartPre", $"/usr/bin/dotnet {service.InstalledDll} check-config");
        Expect("EnvironmentFile", $"/etc/weixin/{service.Name}.env");
        Expect("Restart", "on-failure");
        if (unit.Last("Service", "RestartSec") is null)
        {
            problems.Add("RestartSec is missing (systemd's 100 ms default would spin against a down database)");
        }

        var environment = unit.Environment();
        if (!environment.TryGetValue("ASPNETCORE_ENVIRONMENT", out var name) || name != "Production")
        {
            problems.Add("Environment=ASPNETCORE_ENVIRONMENT=Production is missing");
        }

        if (!environment.TryGetValue("ASPNETCORE_URLS", out var urls) || !Uri.TryCreate(urls, UriKind.Absolute, out var listen))
        {
            problems.Add("Environment=ASPNETCORE_URLS=http://<address>:<port> is missing");
        }
        else if (service.Name == "inbox" && listen.Host != "127.0.0.1")
        {
            // Note: the inbox speaks plain HTTP; only nginx's TLS may face the internet.
            problems.Add($"the inbox must listen on 127.0.0.1 behind nginx, not {listen.Host}");
        }

        // Note: the only writable path is the directory of the JSON log (Logging:JsonFile, ServiceDefaults); ProtectSystem=strict
        // makes everything else read-only.
        if (!environment.TryGetValue("Logging__JsonFile", out var jsonFile) || !jsonFile.StartsWith("/var/log/", StringComparison.Ordinal))
        {
            problems.Add("Environment=Logging__JsonFile=/var/log/… is missing");
        }
        else
        {
            var logDirectory = Path.GetDirectoryName(jsonFile)!;
            var writable = unit.All("Service", "ReadWritePaths").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            if (writable.Count != 1 || writable[0] != logDirectory)
            {
                problems.Add($"ReadWritePaths={string.Join(' ', writable)}, expected exactly the log directory {logDirectory}");
            }

            if (unit.Last("Service", "LogsDirectory") is not { } logs || "/var/log/" + logs != logDirectory)
            {
                problems.Add($"LogsDirectory= must create {logDirectory} for the service user");
            }
        }

        // Note: the .NET host's graceful stop takes up to its ShutdownTimeout (30 s); systemd must wait longer before SIGKILL.
        if (unit.Last("Service", "TimeoutStopSec") is not { } stop || Seconds(stop) is not { } stopSeconds || stopSeconds <= 30)
        {
            problems.Add("TimeoutStopSec must be longer than the host's 30 s graceful shutdown");
        }

        if (unit.Last("Service", "LimitNOFILE") is not { } files || !int.TryParse(files, out var fileLimit) || fileLimit < 8192)
        {
            problems.Add("LimitNOFILE must be at least 8192 (long polls hold connections)");
        }

        if (unit.Has("Service", "MemoryDenyWriteExecute"))
        {
            problems.Add("MemoryDenyWriteExecute= breaks the .NET JIT");
        }

        return problems;
    }

    private static double? Seconds(string value) =>
        value.EndsWith("min", StringComparison.Ordinal) && double.TryParse(value[..^3], out var m) ? m * 60
        : value.EndsWith('s') && double.TryParse(value[..^1], out var s) ? s
        : double.TryParse(value, out var plain) ? plain
        : null;
}
