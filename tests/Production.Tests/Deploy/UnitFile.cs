namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>
/// A systemd unit file read the way systemd reads one (systemd.syntax(7)): <c>[Section]</c> headers, <c>Key=value</c>
/// lines, comments starting with <c>#</c> or <c>;</c>, a trailing backslash continuing the line. Keys may repeat
/// (Environment=, After=); an empty assignment resets the list, as systemd does.
/// </summary>
public sealed class UnitFile
{
    private readonly Dictionary<string, Dictionary<string, List<string>>> _sections = new(StringComparer.Ordinal);

    /// <summary>Lines systemd would not accept as a header or an assignment.</summary>
    public List<string> Problems { get; } = [];

    public static UnitFile Parse(string text)
    {
        var unit = new UnitFile();
        Dictionary<string, List<string>>? section = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim();
            }

            if (line[0] == '[')
            {
                if (!line.EndsWith(']'))
                {
                    unit.Problems.Add($"line {i + 1}: bad section header '{line}'");
                    continue;
                }

                var name = line[1..^1];
                if (!unit._sections.TryGetValue(name, out section))
                {
                    unit._sections[name] = section = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section is null || equals <= 0)
            {
                unit.Problems.Add($"line {i + 1}: '{line}' is {(section is null ? "outside any [Section]" : "not Key=value")}");
                continue;
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (!section.TryGetValue(key, out var values))
            {
                section[key] = values = [];
            }

            if (value.Length == 0)
            {
                values.Clear();
            }
            else
            {
                values.Add(value);
            }
        }

        return unit;
    }

    public IReadOnlyCollection<string> Sections => _sections.Keys;

    /// <summary>Every value of <paramref name="key"/> in <paramref name="section"/> (empty when absent).</summary>
    public IReadOnlyList<string> All(string section, string key) =>
        _sections.TryGetValue(section, out var s) && s.TryGetValue(key, out var v) ? v : [];

    /// <summary>The last value (the one systemd uses for a single-valued setting), or null.</summary>
    public string? Last(string section, string key) => All(section, key) is { Count: > 0 } v ? v[^1] : null;

    /// <summary>True when the key is present at all (even if reset to empty).</summary>
    public bool Has(string section, string key) => _sections.TryGetValue(section, out var s) && s.ContainsKey(key);

    /// <summary>The variables of every <c>Environment=</c> line (<c>NAME=value</c>, several per line allowed).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in All("Service", "Environment"))
        {
            foreach (var assignment in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    result[assignment[..equals]] = assignment[(equals + 1)..];
                }
            }
        }

        return result;
    }
}
