using System.Text.RegularExpressions;

namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>One <c>KEY=value</c> of a deploy/env/*.env.example; <see cref="Active"/> false for a commented-out optional one.</summary>
public sealed record EnvEntry(int Line, string Key, string Value, bool Active)
{
    /// <summary>The configuration key (<c>Inbox__TrustedProxies__0</c> → <c>Inbox:TrustedProxies:0</c>).</summary>
    public string ConfigurationKey => Key.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>A secret the operator must fill in (the value says so).</summary>
    public bool IsPlaceholder => Value.Contains("CHANGE_ME", StringComparison.Ordinal);
}

/// <summary>
/// Reads an EnvironmentFile= template the way systemd reads the installed copy: <c>KEY=value</c> lines, <c>#</c>
/// comments. A commented-out assignment (<c>#PollerSigning__Keys__1=</c>) is an optional setting and must name a real
/// key too.
/// </summary>
public static partial class EnvExample
{
    public static (List<EnvEntry> Entries, List<string> Problems) Read(string path)
    {
        var entries = new List<EnvEntry>();
        var problems = new List<string>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                if (CommentedAssignment().Match(line) is { Success: true } optional)
                {
                    entries.Add(new EnvEntry(i + 1, optional.Groups[1].Value, optional.Groups[2].Value, Active: false));
                }

                continue;
            }

            // Note: systemd would take `KEY = value` or quoted values differently from what the file means; only the plain form.
            if (Assignment().Match(line) is { Success: true } active && !active.Groups[2].Value.StartsWith('"') && !active.Groups[2].Value.StartsWith('\''))
            {
                entries.Add(new EnvEntry(i + 1, active.Groups[1].Value, active.Groups[2].Value, Active: true));
            }
            else
            {
                problems.Add($"{Path.GetFileName(path)}:{i + 1}: '{line}' is not KEY=value (no spaces around '=', no quotes)");
            }
        }

        return (entries, problems);
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9_]*)=(\S.*|)$", RegexOptions.CultureInvariant)]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^#\s?([A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+)=(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex CommentedAssignment();
}
