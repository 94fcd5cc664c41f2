using System.Diagnostics;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Production.Tests.Topology;

/// <summary>What the site template needs; the test's values for what production sets by hand.</summary>
public sealed record NginxSiteSettings(
    string Domain,
    int HttpsPort,
    int HttpPort,
    string CertificatePath,
    string KeyPath,
    IReadOnlyList<string> UpstreamServers,
    IReadOnlyList<string> AdminAllow,
    IReadOnlyList<string> PollerAllow);

/// <summary>
/// Debian's nginx run by the test as a child process (<c>nginx -p &lt;dir&gt; -c &lt;dir&gt;/nginx.conf -g 'daemon off;'</c>),
/// its pid, logs and temp paths inside its own directory, with deploy/nginx/weixin-inbox.conf.template rendered by
/// <c>envsubst</c> exactly as the template's header tells an operator to, inside Debian's main nginx.conf.
/// </summary>
public sealed class NginxSite : IAsyncDisposable
{
    /// <summary>The variables the template's header lists, in its order (the envsubst SHELL-FORMAT argument).</summary>
    public const string TemplateVariables =
        "${WX_DOMAIN} ${WX_HTTPS_LISTEN} ${WX_HTTP_LISTEN} ${WX_TLS_CERT} ${WX_TLS_KEY} ${WX_NGINX_INCLUDE_DIR} ${WX_NGINX_LOG_DIR}";

    private readonly string _directory;
    private Process? _process;

    private NginxSite(string directory, NginxSiteSettings settings)
    {
        _directory = directory;
        Settings = settings;
    }

    public NginxSiteSettings Settings { get; }

    public static string TemplatePath => Path.Combine(TestEnvironment.RepoRoot, "deploy", "nginx", "weixin-inbox.conf.template");

    public static string NginxPath => new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists) ?? "nginx";

    /// <summary>The rendered site (what goes to /etc/nginx/sites-available/weixin-inbox.conf).</summary>
    public string SitePath => Path.Combine(_directory, "weixin-inbox.conf");

    public string MainConfigPath => Path.Combine(_directory, "nginx.conf");

    public string AccessLogPath => Path.Combine(_directory, "logs", "weixin-inbox.access.log");

    public string ErrorLogPath => Path.Combine(_directory, "logs", "weixin-inbox.error.log");

    /// <summary>Writes the include files, renders the template with envsubst and a minimal main nginx.conf around it.</summary>
    public static async Task<NginxSite> RenderAsync(string directory, NginxSiteSettings settings)
    {
        var site = new NginxSite(directory, settings);
        var include = Directory.CreateDirectory(Path.Combine(directory, "weixin-inbox")).FullName;
        var logs = Directory.CreateDirectory(Path.Combine(directory, "logs")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(directory, "temp")).FullName;
        await File.WriteAllLinesAsync(Path.Combine(include, "upstreams.conf"), settings.UpstreamServers.Select(s => $"server {s} max_fails=2 fail_timeout=5s;"));
        await File.WriteAllLinesAsync(Path.Combine(include, "admin-allow.conf"), settings.AdminAllow.Select(a => $"allow {a};"));
        await File.WriteAllLinesAsync(Path.Combine(include, "poller-allow.conf"), settings.PollerAllow.Select(a => $"allow {a};"));

        var render = new ProcessStartInfo("envsubst") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        render.ArgumentList.Add(TemplateVariables);
        render.Environment["WX_DOMAIN"] = settings.Domain;
        render.Environment["WX_HTTPS_LISTEN"] = $"127.0.0.1:{settings.HttpsPort}";
        render.Environment["WX_HTTP_LISTEN"] = $"127.0.0.1:{settings.HttpPort}";
        render.Environment["WX_TLS_CERT"] = settings.CertificatePath;
        render.Environment["WX_TLS_KEY"] = settings.KeyPath;
        render.Environment["WX_NGINX_INCLUDE_DIR"] = include;
        render.Environment["WX_NGINX_LOG_DIR"] = logs;
        using (var envsubst = Process.Start(render) ?? throw new InvalidOperationException("envsubst did not start"))
        {
            await envsubst.StandardInput.WriteAsync(await File.ReadAllTextAsync(TemplatePath));
            envsubst.StandardInput.Close();
            var output = envsubst.StandardOutput.ReadToEndAsync();
            var error = envsubst.StandardError.ReadToEndAsync();
            await envsubst.WaitForExitAsync();
            if (envsubst.ExitCode != 0)
            {
                throw new InvalidOperationException($"envsubst exited {envsubst.ExitCode}: {await error}");
            }

            await File.WriteAllTextAsync(site.SitePath, await output);
        }

        await File.WriteAllTextAsync(site.MainConfigPath, MainConfig(directory, logs, temp, site.SitePath));
        return site;
    }

    /// <summary>
    /// Debian's own /etc/nginx/nginx.conf (its http-level TLS, gzip and log settings, which the site must coexist with)
    /// with the site in place of <c>sites-enabled/*</c> and everything nginx writes moved into <paramref name="directory"/>,
    /// so it runs without touching /var or /run; a minimal equivalent where Debian's file is missing.
    /// </summary>
    private static string MainConfig(string directory, string logs, string temp, string sitePath)
    {
        var tempPaths = $"""
                client_body_temp_path {Path.Combine(temp, "body")};
                proxy_temp_path {Path.Combine(temp, "proxy")};
                fastcgi_temp_path {Path.Combine(temp, "fastcgi")};
                uwsgi_temp_path {Path.Combine(temp, "uwsgi")};
                scgi_temp_path {Path.Combine(temp, "scgi")};
            """;
        const string debian = "/etc/nginx/nginx.conf";
        if (!File.Exists(debian))
        {
            return $$"""
                pid {{Path.Combine(directory, "nginx.pid")}};
                error_log {{Path.Combine(logs, "error.log")}} warn;
                worker_processes 1;
                events { worker_connections 512; }
                http {
                {{tempPaths}}
                    include /etc/nginx/mime.types;
                    default_type application/octet-stream;
                    include {{sitePath}};
                }
                """;
        }

        var lines = new List<string>();
        foreach (var line in File.ReadAllLines(debian))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("user ", StringComparison.Ordinal))
            {
                // Note: workers stay the test's user, who owns the key file (mode 600) in the temp directory.
                continue;
            }

            if (trimmed.StartsWith("pid ", StringComparison.Ordinal))
            {
                lines.Add($"pid {Path.Combine(directory, "nginx.pid")};");
                continue;
            }

            if (trimmed.StartsWith("include /etc/nginx/sites-enabled/", StringComparison.Ordinal))
            {
                lines.Add($"include {sitePath};");
                continue;
            }

            lines.Add(line.Replace("/var/log/nginx/", logs + "/", StringComparison.Ordinal));
            if (trimmed == "http {")
            {
                lines.Add(tempPaths);
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary><c>nginx -t</c> on the rendered configuration: its exit code and what it printed.</summary>
    public async Task<(int ExitCode, string Output)> TestConfigurationAsync()
    {
        using var process = Process.Start(StartInfo("-t")) ?? throw new InvalidOperationException("nginx did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts nginx in the foreground and waits until it accepts connections on the HTTPS port.</summary>
    public async Task StartAsync()
    {
        _process = Process.Start(StartInfo("-g", "daemon off;")) ?? throw new InvalidOperationException("nginx did not start");
        ChildProcesses.Track(_process); // Note: killed with the test host if it ends without disposing.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited ({_process.ExitCode}); see {Path.Combine(_directory, "logs", "error.log")}");
            }

            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, Settings.HttpsPort);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("nginx did not listen within 20 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // Note: the master's workers go with it (entire tree); SIGKILL is fine for a throwaway instance.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        // Note: the logs are kept with the other test artifacts for a failed run's post-mortem.
        foreach (var log in new[] { AccessLogPath, ErrorLogPath, Path.Combine(_directory, "logs", "error.log") })
        {
            if (File.Exists(log))
            {
                File.Copy(log, Path.Combine(TestEnvironment.ResultsDirectory, "production-topology-nginx-" + Path.GetFileName(log)), overwrite: true);
            }
        }
    }

    private ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo(NginxPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Note: -e (nginx >= 1.19.5) keeps even the start-up error log out of /var/log/nginx, so nginx runs unprivileged too.
        foreach (var arg in new[] { "-p", _directory, "-c", MainConfigPath, "-e", Path.Combine(_directory, "logs", "error.log") }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
