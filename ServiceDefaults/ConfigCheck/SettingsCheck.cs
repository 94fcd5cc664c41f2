using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Weixin.Inbox.ServiceDefaults.ConfigCheck;

/// <summary>One options class whose settings are checked at start and by <c>check-config</c>.</summary>
public sealed record CheckedSettings(string Section, Type OptionsType, Func<IServiceProvider, object> Resolve);

/// <summary>Problems of the connection strings, found before the registrations read them.</summary>
public sealed class ConnectionStringProblems : List<string>;

/// <summary>
/// The configuration check every service runs before it starts, and <c>dotnet &lt;Service&gt;.dll check-config</c>
/// (which builds the host, runs the same checks and exits 0 or 1 without starting Kestrel, the jobs or any database
/// connection). A problem is one line naming the key: <c>Inbox:ReplyWait: 必须在 … 之间 / must be between …</c>; a
/// service with problems prints them all and exits 1, without a stack trace.
/// </summary>
public static partial class SettingsCheck
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "check-config";

    /// <summary>What <c>check-config</c> prints when nothing is wrong.</summary>
    public const string OkLine = "配置有效 / configuration OK";

    // Note: stands in for a missing connection string while the rest of the registrations run, so every other problem is
    // reported too; the service then exits before anything could use it.
    private const string Placeholder = "Server=config-check.invalid;Database=missing";

    private const string GaugeRefreshIntervalKey = "Metrics:GaugeRefreshInterval";

    /// <summary>True when the command line asks for <c>check-config</c>.</summary>
    public static bool IsRequested(string[] args) => args is [Verb, ..];

    /// <summary>Checks <paramref name="settings"/> of <paramref name="section"/> with <see cref="SettingsRules"/>, at start and in <c>check-config</c>.</summary>
    public static IServiceCollection CheckSettings<TOptions>(this IServiceCollection services, string section, string? name = null)
        where TOptions : class
    {
        var optionsName = name ?? Options.DefaultName;
        services.AddOptions<TOptions>(optionsName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(provider => new SettingsValidator<TOptions>(optionsName, section, provider));
        services.AddSingleton(new CheckedSettings(section, typeof(TOptions), provider => provider.GetRequiredService<IOptionsMonitor<TOptions>>().Get(optionsName)));
        return services;
    }

    /// <summary>
    /// Checks that <c>ConnectionStrings:{name}</c> is set and parses as a MySQL connection string naming a server and a
    /// database (never connecting). Call before the registrations that read them.
    /// </summary>
    public static IHostApplicationBuilder CheckConnectionStrings(this IHostApplicationBuilder builder, params string[] names)
    {
        var problems = new ConnectionStringProblems();
        foreach (var name in names)
        {
            var key = "ConnectionStrings:" + name;
            var value = builder.Configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add(SettingsRules.Line(key, $"必须设置（MySQL 连接字符串，环境变量 ConnectionStrings__{name}）", $"is required (a MySQL connection string, env ConnectionStrings__{name})"));
                builder.Configuration[key] = Placeholder;
                continue;
            }

            // Note: the messages never echo the value: it carries the password.
            try
            {
                var parsed = new MySqlConnectionStringBuilder(value);
                if (string.IsNullOrWhiteSpace(parsed.Server) || string.IsNullOrWhiteSpace(parsed.Database))
                {
                    problems.Add(SettingsRules.Line(key, "必须包含 Server 和 Database", "must name a Server and a Database"));
                }
            }
            catch (ArgumentException)
            {
                // Note: not the parser's message either: for an unquoted password containing ';' or '=' it names a
                // piece of the password as an unknown option.
                problems.Add(SettingsRules.Line(key, "无法解析为 MySQL 连接字符串（含 ; 或 = 的值需用引号括起）",
                    "cannot be parsed as a MySQL connection string (quote values that contain ; or =)"));
            }
        }

        builder.Services.AddSingleton(problems);
        return builder;
    }

    /// <summary>
    /// Runs every check on the built host. <c>check-config</c>: prints the problems (or <see cref="OkLine"/>) and returns
    /// the exit code. A normal start: prints the problems and returns 1, or returns null to go on starting.
    /// </summary>
    public static int? Run(IHost host, string[] args, string service)
    {
        var problems = Collect(host.Services);
        var command = IsRequested(args);
        if (problems.Count == 0)
        {
            if (command)
            {
                Console.Out.WriteLine(OkLine);
                return 0;
            }

            return null;
        }

        foreach (var line in problems)
        {
            Console.Error.WriteLine(line);
        }

        Console.Error.WriteLine(command
            ? $"{service}: 配置有 {problems.Count} 处问题 / {problems.Count} configuration problem(s)"
            : $"{service}: 配置有 {problems.Count} 处问题，未启动 / {problems.Count} configuration problem(s), not started");
        Console.Error.Flush();
        return 1;
    }

    /// <summary>Every problem of the host's settings, one line each, in the order found.</summary>
    public static IReadOnlyList<string> Collect(IServiceProvider services)
    {
        var lines = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string line)
        {
            if (seen.Add(line))
            {
                lines.Add(line);
            }
        }

        foreach (var line in services.GetService<ConnectionStringProblems>() ?? [])
        {
            Add(line);
        }

        var checkedSettings = services.GetServices<CheckedSettings>().ToList();
        var checkedTypes = checkedSettings.Select(s => s.OptionsType).ToHashSet();
        void Try(Action action)
        {
            try
            {
                action();
            }
            catch (OptionsValidationException ex)
            {
                AddFailures(ex);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
            {
                foreach (var inner in ex.InnerExceptions.Cast<OptionsValidationException>())
                {
                    AddFailures(inner);
                }
            }
            catch (InvalidOperationException ex) when (Explain(ex) is { } line)
            {
                Add(line);
            }
        }

        void AddFailures(OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                // Note: where SettingsRules checks a class, ValidateDataAnnotations' own report of the same rules (one
                // English paragraph) would only repeat it.
                if (checkedTypes.Contains(ex.OptionsType) && failure.StartsWith("DataAnnotation validation failed", StringComparison.Ordinal))
                {
                    continue;
                }

                Add(failure.ReplaceLineEndings(" "));
            }
        }

        foreach (var settings in checkedSettings)
        {
            Try(() => settings.Resolve(services));
        }

        // Note: ServiceDefaults' own setting, read with GetValue when the pipeline is set up (after this check).
        Try(() =>
        {
            if (services.GetRequiredService<IConfiguration>().GetValue<TimeSpan?>(GaugeRefreshIntervalKey) is { } interval && interval < TimeSpan.Zero)
            {
                Add(SettingsRules.Line(GaugeRefreshIntervalKey, "不能是负的时间长度（0 表示每次抓取都重读）", "must not be negative (0 re-reads at every scrape)"));
            }
        });

        // Note: then everything else registered with ValidateOnStart, as the host would at start.
        Try(() => services.GetService<IStartupValidator>()?.Validate());
        return lines;
    }

    /// <summary>
    /// A value the configuration binder could not convert (e.g. <c>Inbox:ReplyWait=4s</c>), as a line naming the key;
    /// null for any other exception. Program.cs uses it for values read while the services are registered.
    /// </summary>
    public static string? Explain(Exception ex)
    {
        if (ex is not InvalidOperationException)
        {
            return null;
        }

        var match = BindingFailure().Match(ex.Message);
        if (!match.Success)
        {
            return null;
        }

        var key = match.Groups["key"].Value;
        var type = Nullable.GetUnderlyingType(Type.GetType(match.Groups["type"].Value) ?? typeof(object)) ?? Type.GetType(match.Groups["type"].Value);
        return type switch
        {
            _ when type == typeof(TimeSpan) => SettingsRules.Line(key, "必须是时间长度，如 00:00:04（时:分:秒）", "must be a duration such as 00:00:04 (hh:mm:ss)"),
            _ when type == typeof(int) || type == typeof(long) => SettingsRules.Line(key, "必须是整数", "must be a whole number"),
            _ when type == typeof(bool) => SettingsRules.Line(key, "必须是 true 或 false", "must be true or false"),
            _ when type == typeof(Uri) => SettingsRules.Line(key, "必须是网址", "must be a URL"),
            _ => SettingsRules.Line(key, $"无法读取为 {match.Groups["type"].Value}", $"cannot be read as {match.Groups["type"].Value}"),
        };
    }

    [GeneratedRegex(@"at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BindingFailure();
}
