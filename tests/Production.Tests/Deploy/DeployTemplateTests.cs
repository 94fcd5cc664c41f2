using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Weixin.Inbox.Testing;
using Xunit.Abstractions;

namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>
/// deploy/systemd/*.service and deploy/env/*.env.example against the published services (`./run.sh publish`, found
/// through WX_DIST): the units parse (and pass `systemd-analyze verify` where it exists) and keep their hardening;
/// every key of the env templates is a setting the service really reads, every required setting is there; dist/ has
/// the layout the units start.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class DeployTemplateTests(ITestOutputHelper output)
{
    public static TheoryData<string> Services => new(DeployedService.All.Select(s => s.Name));

    // ------------------------------------------------------------------ systemd units

    [Theory]
    [MemberData(nameof(Services))]
    public void Unit_StartsThePublishedServiceWithItsEnvFileAndHardening(string name)
    {
        var service = DeployedService.Named(name);
        var problems = UnitChecks.Problems(service, File.ReadAllText(service.UnitPath));
        Assert.True(problems.Count == 0, $"{service.UnitName}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void UnitChecks_NoticeARemovedHardeningLine()
    {
        // Note: proves the check above is not hollow: each hardening line, removed from the real unit, is reported.
        var service = DeployedService.Named("inbox");
        var text = File.ReadAllText(service.UnitPath);
        foreach (var (key, _) in UnitChecks.Hardening)
        {
            var without = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith(key + "=", StringComparison.Ordinal)));
            Assert.NotEqual(text, without);
            Assert.Contains(UnitChecks.Problems(service, without), p => p.Contains(key, StringComparison.Ordinal));
        }

        var writable = string.Join('\n', text.Split('\n').Select(l => l.StartsWith("ReadWritePaths=", StringComparison.Ordinal) ? l + " /etc" : l));
        Assert.Contains(UnitChecks.Problems(service, writable), p => p.Contains("ReadWritePaths", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Unit_PassesSystemdAnalyzeVerify(string name)
    {
        var service = DeployedService.Named(name);
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null)
        {
            // Note: systemd is not in every CI image and is not installed for this; the INI and hardening checks above
            // still run everywhere. Said in the output, and the test still asserts the unit parses.
            output.WriteLine("systemd-analyze not installed: only the INI and hardening checks ran for " + service.UnitName);
            Assert.Empty(UnitFile.Parse(File.ReadAllText(service.UnitPath)).Problems);
            return;
        }

        // Note: verify checks that ExecStart's program exists; on a machine whose dotnet is not /usr/bin/dotnet (the
        // path Microsoft's packages install) a copy names the real one, nothing else changes.
        var directory = Directory.CreateTempSubdirectory("wx-units-").FullName;
        try
        {
            var text = await File.ReadAllTextAsync(service.UnitPath);
            if (!File.Exists("/usr/bin/dotnet"))
            {
                text = text.Replace("/usr/bin/dotnet ", DotnetPath() + " ", StringComparison.Ordinal);
            }

            var copy = Path.Combine(directory, service.UnitName);
            await File.WriteAllTextAsync(copy, text);
            var (exit, stdout, stderr) = await RunAsync(analyze, ["verify", copy], environment: new() { ["SYSTEMD_LOG_COLOR"] = "0" });
            output.WriteLine($"systemd-analyze verify {service.UnitName}: exit {exit}\n{stdout}{stderr}");
            Assert.Equal(0, exit);
            // Note: verify exits 0 for an unknown key or a key in the wrong section ("Unknown key …, ignoring"), which
            // silently drops a setting; any line about our file is a failure.
            Assert.DoesNotContain(stderr.Split('\n'), l => l.Contains(service.UnitName, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // ------------------------------------------------------------------ env templates

    [Theory]
    [MemberData(nameof(Services))]
    public async Task EnvExample_NamesOnlyRealSettingsAndEveryRequiredOne(string name)
    {
        var service = DeployedService.Named(name);
        var (entries, problems) = EnvExample.Read(service.EnvExamplePath);
        using var settings = ServiceSettings.Load(service);
        output.WriteLine($"{service.Project} sections: {string.Join(", ", settings.Sections.Order())}");

        foreach (var entry in entries)
        {
            var (type, problem) = settings.Resolve(entry.ConfigurationKey);
            if (problem is not null)
            {
                problems.Add($"line {entry.Line}: {entry.Key}: {problem}");
            }
            else if (!entry.IsPlaceholder && entry.Value.Length > 0 && !ServiceSettings.Converts(type!, entry.Value))
            {
                problems.Add($"line {entry.Line}: {entry.Key}={entry.Value} is not a {(Nullable.GetUnderlyingType(type!) ?? type!).Name}");
            }
        }

        var active = entries.Where(e => e.Active).ToList();
        foreach (var duplicate in active.GroupBy(e => e.ConfigurationKey, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"{duplicate.Key} is set {duplicate.Count()} times (lines {string.Join(", ", duplicate.Select(e => e.Line))})");
        }

        // Note: the unit sets these; in the env file they would silently override it (EnvironmentFile= wins).
        foreach (var owned in new[] { "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "Logging__JsonFile" })
        {
            if (entries.Any(e => e.Key.Equals(owned, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{owned} belongs to {service.UnitName}, not to the env file");
            }
        }

        // Note: the runtime must never hold the migration admin's password.
        if (entries.Any(e => e.ConfigurationKey.Equals("ConnectionStrings:Migrations", StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add("ConnectionStrings__Migrations must not be in a running service's env file (only on `migrate`'s command line)");
        }

        foreach (var required in settings.RequiredWithoutDefault(settings.OwnSections(service)))
        {
            if (!active.Any(e => e.ConfigurationKey.Equals(required, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{required.Replace(":", "__", StringComparison.Ordinal)} is required (no default) but not set");
            }
        }

        foreach (var connection in settings.Assemblies[0].GetTypes()
                     .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
                     .Where(f => f.IsLiteral && f.Name == "ConnectionName")
                     .Select(f => (string)f.GetRawConstantValue()!))
        {
            if (!active.Any(e => e.ConfigurationKey.Equals("ConnectionStrings:" + connection, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"ConnectionStrings__{connection} is not set");
            }
        }

        Assert.True(problems.Count == 0, $"{Path.GetFileName(service.EnvExamplePath)}:\n  " + string.Join("\n  ", problems));
        Assert.NotEmpty(active);

        await CheckConfigAsync(service, settings, active);
    }

    /// <summary>
    /// With the config check of issue 15 in the published build (<c>dotnet &lt;S&gt;.dll check-config</c>): the template as
    /// shipped must NOT pass (its CHANGE_ME secrets stop the service), and the template with those secrets filled in
    /// must pass: nothing required is missing, every example value is valid.
    /// </summary>
    private async Task CheckConfigAsync(DeployedService service, ServiceSettings settings, List<EnvEntry> active)
    {
        var command = settings.Assemblies.Select(a => a.GetType("Weixin.Inbox.ServiceDefaults.ConfigCheck.SettingsCheck")).OfType<Type>().FirstOrDefault();
        // Note: every service has the command (issue 15 item 4); a build without it would start the service from
        // systemd's ExecStartPre instead of checking its settings.
        Assert.True(command?.GetField("Verb")?.GetRawConstantValue() is "check-config",
            $"{service.Project}: the published build has no check-config command (ServiceDefaults/ConfigCheck/SettingsCheck.Verb)");

        var shipped = active.ToDictionary(e => e.Key, e => e.Value);
        var (exit, stdout, stderr) = await CheckConfigRunAsync(service, shipped);
        output.WriteLine($"check-config with the template as shipped: exit {exit}\n{stdout}{stderr}");
        Assert.True(exit == 1, $"{service.Project} check-config accepted the template's CHANGE_ME secrets (exit {exit}); an unedited file must not start.\n{stdout}{stderr}");

        var filled = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in active)
        {
            filled[entry.Key] = entry.IsPlaceholder ? await FillAsync(entry) : entry.Value;
        }

        (exit, stdout, stderr) = await CheckConfigRunAsync(service, filled);
        output.WriteLine($"check-config with the secrets filled in: exit {exit}\n{stdout}{stderr}");
        Assert.True(exit == 0, $"{service.Project} check-config refused {Path.GetFileName(service.EnvExamplePath)} with its secrets filled in (exit {exit}):\n{stdout}{stderr}");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> CheckConfigRunAsync(DeployedService service, Dictionary<string, string> values)
    {
        var environment = new Dictionary<string, string>(values)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Note: a safety net only: should the command ever start the host, it must not take a port a parallel test uses.
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{TestEnvironment.FreePort()}",
        };
        return await RunAsync(DotnetPath(), [service.PublishedDll, "check-config"], environment, service.PublishedDirectory, TimeSpan.FromSeconds(60));
    }

    /// <summary>A valid value for a CHANGE_ME secret, chosen by what the key is (as an operator would generate it).</summary>
    private static async Task<string> FillAsync(EnvEntry entry)
    {
        var key = entry.Key;
        if (key.EndsWith("PasswordHash", StringComparison.Ordinal))
        {
            var (exit, stdout, stderr) = await RunAsync(DotnetPath(), [DeployedService.Named("inbox").PublishedDll, "hash-password"], stdin: "deploy-test-password-1\n");
            Assert.True(exit == 0, $"hash-password failed: {stderr}");
            return stdout.Trim();
        }

        if (key.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
        {
            return entry.Value.Replace(entry.Value[entry.Value.IndexOf("CHANGE_ME", StringComparison.Ordinal)..].Split(';')[0], Hex(12), StringComparison.Ordinal);
        }

        if (key.EndsWith("EncodingAESKey", StringComparison.Ordinal))
        {
            // Note: WeChat's keys are letters and digits (the base64 of 32 bytes without its '='); draw until one is.
            string aesKey;
            do
            {
                aesKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
            }
            while (aesKey.Any(c => c is '+' or '/'));

            return aesKey;
        }

        if (key.EndsWith("Token", StringComparison.Ordinal))
        {
            return "tok" + Hex(8);
        }

        // Note: HMAC keys (and any other secret): 64 hex characters, a different one for every key, as the templates ask.
        return Hex(32);
    }

    private static string Hex(int bytes) => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));

    [Fact]
    public void EnvExamples_AreTheOnesTheUnitsRead()
    {
        foreach (var service in DeployedService.All)
        {
            var unit = UnitFile.Parse(File.ReadAllText(service.UnitPath));
            Assert.Equal($"/etc/weixin/{service.Name}.env", unit.Last("Service", "EnvironmentFile"));
            Assert.True(File.Exists(service.EnvExamplePath), $"{service.UnitName} reads /etc/weixin/{service.Name}.env; its template {service.EnvExamplePath} is missing");
        }

        var templates = Directory.GetFiles(Path.Combine(TestEnvironment.RepoRoot, "deploy", "env"), "*.env.example").Select(Path.GetFileName).Order();
        Assert.Equal(DeployedService.All.Select(s => $"{s.Name}.env.example").Order(), templates);
    }

    // ------------------------------------------------------------------ published layout

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Dist_HoldsAFrameworkDependentReleaseBuildTheUnitStarts(string name)
    {
        var service = DeployedService.Named(name);
        Dist.RequirePublished(service);

        // The unit starts /opt/weixin/<S>/<S>.dll: the copy of dist/<S>/ (DEPLOY.md).
        var unit = UnitFile.Parse(await File.ReadAllTextAsync(service.UnitPath));
        Assert.Equal($"/usr/bin/dotnet {service.InstalledDll}", unit.Last("Service", "ExecStart"));
        Assert.Equal($"/opt/weixin/{service.Project}", unit.Last("Service", "WorkingDirectory"));

        using var runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(service.PublishedDirectory, service.Project + ".runtimeconfig.json")));
        var options = runtimeConfig.RootElement.GetProperty("runtimeOptions");
        // Note: framework-dependent: the host's aspnetcore-runtime-10.0 package runs it; a self-contained publish would
        // list includedFrameworks and carry its own runtime.
        Assert.False(options.TryGetProperty("includedFrameworks", out _), "dist/ must be framework-dependent (no runtime identifier)");
        Assert.Contains(options.GetProperty("frameworks").EnumerateArray(), f => f.GetProperty("name").GetString() == "Microsoft.AspNetCore.App");
        // Note: Service.Runtime.props (workstation GC, measured for the 2-core box) must reach the published config.
        Assert.False(options.GetProperty("configProperties").GetProperty("System.GC.Server").GetBoolean());
        Assert.True(File.Exists(Path.Combine(service.PublishedDirectory, service.Project + ".deps.json")));
        Assert.False(File.Exists(Path.Combine(service.PublishedDirectory, "appsettings.Development.json")), "a Development settings file must not ship");

        // Note: the schema scripts travel with the binaries (DEPLOY.md applies dist/sql/<database>.sql on each host).
        var database = service.Name switch { "inbox" => "weixin_inbox", "poller" => "weixin_gateway", _ => "crm" };
        var script = Path.Combine(Dist.Root, "sql", database + ".sql");
        Assert.True(File.Exists(script), $"{script} is missing: ./run.sh publish copies db/sql/*.sql there");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepoRoot, "db", "sql", database + ".sql")), await File.ReadAllTextAsync(script));

        var configuration = ReadAssemblyConfiguration(service.PublishedDll);
        Assert.True(configuration == "Release", $"{service.PublishedDll} was built as '{configuration}', not Release");
    }

    [Fact]
    public async Task Dist_InboxRunsFromItsPublishedFolder()
    {
        // Note: DEPLOY.md makes the admin's hash with the published inbox, from its own folder; it must run there.
        var inbox = DeployedService.Named("inbox");
        Dist.RequirePublished(inbox);
        var (exit, stdout, stderr) = await RunAsync(DotnetPath(), [inbox.PublishedDll, "hash-password"], workingDirectory: inbox.PublishedDirectory, stdin: "a-long-enough-password\n");
        Assert.True(exit == 0, $"hash-password from dist/PublicInbox exited {exit}: {stderr}");
        var hash = Convert.FromBase64String(stdout.Trim());
        Assert.Equal(0x01, hash[0]); // Note: ASP.NET Core Identity's V3 format marker (PBKDF2), what Admin:Users:N:PasswordHash expects.
    }

    // ------------------------------------------------------------------ helpers

    private static string? ReadAssemblyConfiguration(string dll)
    {
        // Note: read without loading it into the test host: System.Reflection.Metadata over the file.
        using var stream = File.OpenRead(dll);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var reader = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != System.Reflection.Metadata.HandleKind.MemberReference)
            {
                continue;
            }

            var ctor = reader.GetMemberReference((System.Reflection.Metadata.MemberReferenceHandle)attribute.Constructor);
            var type = reader.GetTypeReference((System.Reflection.Metadata.TypeReferenceHandle)ctor.Parent);
            if (reader.GetString(type.Name) == nameof(AssemblyConfigurationAttribute))
            {
                var blob = reader.GetBlobReader(attribute.Value);
                blob.ReadUInt16(); // prolog 0x0001
                return blob.ReadSerializedString();
            }
        }

        return null;
    }

    private static string DotnetPath() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : File.Exists("/usr/bin/dotnet") ? "/usr/bin/dotnet"
        : "dotnet";

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(
        string program, IEnumerable<string> args, Dictionary<string, string>? environment = null, string? workingDirectory = null,
        TimeSpan? timeout = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not exit within {timeout ?? TimeSpan.FromSeconds(60)}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
