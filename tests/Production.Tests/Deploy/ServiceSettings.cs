using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.Loader;

namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>
/// The configuration keys a published service really reads, found by reflection over its own assemblies in dist/ (so
/// the test checks what a host runs, and a renamed option fails it): every options class with a
/// <c>public const string Section</c>, the <c>ConnectionStrings:*</c> names (<c>ConnectionName</c> constants), and
/// the two signing sections that are bound by name rather than through a Section constant.
/// </summary>
public sealed class ServiceSettings : IDisposable
{
    // Note: PollerSigning and GatewaySigning are bound with AddSigningOptions/AddSigningClients(name, section) from a
    // SigningName constant of a static API class, not through an options class's Section; the constant must still exist
    // in the service (checked in Resolve), so a rename fails this test.
    private static readonly Dictionary<string, string> SigningSections = new(StringComparer.Ordinal)
    {
        ["PollerSigning"] = "Weixin.Inbox.Contracts.Signing.SigningOptions",
        ["GatewaySigning"] = "Weixin.Inbox.Contracts.Signing.SigningClientsOptions",
    };

    // Note: read by ASP.NET Core itself (Kestrel's endpoint configuration), not through an options class of ours:
    // weixin-idp.service serves HTTPS with the certificate these name (deploy/env/idp.env.example).
    private static readonly HashSet<string> FrameworkKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Kestrel:Certificates:Default:Path",
        "Kestrel:Certificates:Default:KeyPath",
    };

    private readonly Context _context;
    private readonly Dictionary<string, Type> _sections = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _connectionNames = new(StringComparer.OrdinalIgnoreCase);

    private ServiceSettings(DeployedService service)
    {
        _context = new Context(service.PublishedDirectory);
        var own = new[] { service.Project, "Weixin.Inbox.ServiceDefaults", "Weixin.Inbox.Contracts" }
            .Select(name => _context.LoadFromAssemblyPath(Path.Combine(service.PublishedDirectory, name + ".dll")))
            .ToList();
        Assemblies = own;
        var signingNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in own.SelectMany(LoadableTypes))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            {
                var value = (string)field.GetRawConstantValue()!;
                switch (field.Name)
                {
                    case "Section":
                        _sections[value] = type;
                        break;
                    case "ConnectionName" or "MigrationsConnectionName":
                        _connectionNames.Add(value);
                        break;
                    case "SigningName":
                        signingNames.Add(value);
                        break;
                }
            }
        }

        foreach (var (section, typeName) in SigningSections)
        {
            if (signingNames.Contains(section) && own.Select(a => a.GetType(typeName)).OfType<Type>().FirstOrDefault() is { } options)
            {
                _sections.TryAdd(section, options);
            }
        }
    }

    public IReadOnlyList<Assembly> Assemblies { get; }

    public IReadOnlyCollection<string> Sections => _sections.Keys;

    public static ServiceSettings Load(DeployedService service)
    {
        Dist.RequirePublished(service);
        return new ServiceSettings(service);
    }

    /// <summary>
    /// The type a configuration key binds to (a scalar: string, bool, TimeSpan, …), or null with the reason: walks the
    /// longest known section prefix, then the options' properties (case-insensitive, as the binder), list entries by
    /// index.
    /// </summary>
    public (Type? Type, string? Problem) Resolve(string key)
    {
        if (FrameworkKeys.Contains(key))
        {
            return (typeof(string), null);
        }

        var parts = key.Split(':');
        if (parts[0].Equals("ConnectionStrings", StringComparison.OrdinalIgnoreCase))
        {
            return parts.Length == 2 && _connectionNames.Contains(parts[1])
                ? (typeof(string), null)
                : (null, $"no connection string named '{string.Join(':', parts.Skip(1))}' (the service reads {string.Join(", ", _connectionNames.Order())})");
        }

        for (var length = parts.Length - 1; length >= 1; length--)
        {
            var section = string.Join(':', parts.Take(length));
            if (_sections.TryGetValue(section, out var options))
            {
                return Walk(options, parts.Skip(length).ToList(), section);
            }
        }

        return (null, $"no options class has the section of '{key}' (sections: {string.Join(", ", _sections.Keys.Order())})");
    }

    /// <summary>Every key under the known sections that must be set because it is [Required] and has no default.</summary>
    public IEnumerable<string> RequiredWithoutDefault(IEnumerable<string> sections)
    {
        foreach (var section in sections)
        {
            var options = _sections[section];
            var instance = Activator.CreateInstance(options);
            foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                if (property.GetCustomAttribute<RequiredAttribute>() is null)
                {
                    continue;
                }

                var value = property.GetValue(instance);
                if (value is null || value is string { Length: 0 } || value is ICollection { Count: 0 })
                {
                    yield return value is ICollection ? $"{section}:{property.Name}:0" : $"{section}:{property.Name}";
                }
            }
        }
    }

    /// <summary>The service's sections the deploy templates must cover: every section in its own assembly.</summary>
    public IEnumerable<string> OwnSections(DeployedService service) =>
        _sections.Where(s => s.Value.Assembly.GetName().Name == service.Project || SigningSections.ContainsKey(s.Key)).Select(s => s.Key);

    /// <summary>True when <paramref name="value"/> converts to <paramref name="type"/> as the configuration binder converts it.</summary>
    public static bool Converts(Type type, string value)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            return true;
        }

        try
        {
            return TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    public void Dispose() => _context.Unload();

    private static (Type? Type, string? Problem) Walk(Type type, List<string> path, string at)
    {
        var current = type;
        foreach (var part in path)
        {
            if (ElementType(current) is { } element)
            {
                if (!int.TryParse(part, out var index) || index < 0)
                {
                    return (null, $"'{at}' is a list: the next part must be an index (0, 1, …), not '{part}'");
                }

                current = element;
                at += ":" + part;
                continue;
            }

            var property = current.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && ElementType(property.PropertyType) is null)
            {
                return (null, $"{current.Name} (at '{at}') has no settable property '{part}'");
            }

            current = property.PropertyType;
            at += ":" + part;
        }

        return IsScalar(current) ? (current, null) : (null, $"'{at}' is a {current.Name}, not a single value: name one of its settings");
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(List<>) || d == typeof(IList<>) || d == typeof(IReadOnlyList<>) || d == typeof(IEnumerable<>))
            ? type.GetGenericArguments()[0]
            : null;

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(Uri) || t == typeof(decimal) || t == typeof(DateTimeOffset);
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    /// <summary>
    /// Loads the service's assemblies from its dist/ folder, and ASP.NET Core's shared framework (the test host runs on
    /// Microsoft.NETCore.App only); everything else from the test's own runtime, so attribute types compare equal.
    /// </summary>
    private sealed class Context(string directory) : AssemblyLoadContext("deploy-settings", isCollectible: true)
    {
        private static readonly string? AspNetCoreShared = FindAspNetCoreShared();

        // Note: what the test host itself can load (its runtime and its own dependencies) comes from there, so e.g.
        // RequiredAttribute is the same type on both sides; the rest from the service's folder, then ASP.NET Core's.
        private static readonly HashSet<string> HostAssemblies = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is null || HostAssemblies.Contains(name.Name))
            {
                return null;
            }

            foreach (var folder in new[] { directory, AspNetCoreShared })
            {
                if (folder is not null && Path.Combine(folder, name.Name + ".dll") is var path && File.Exists(path))
                {
                    return LoadFromAssemblyPath(path);
                }
            }

            return null;
        }

        private static string? FindAspNetCoreShared()
        {
            // Note: .../shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll → .../shared/Microsoft.AspNetCore.App/<version>
            var core = new DirectoryInfo(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
            var shared = Path.Combine(core.Parent!.Parent!.FullName, "Microsoft.AspNetCore.App");
            if (!Directory.Exists(shared))
            {
                return null;
            }

            var same = Path.Combine(shared, core.Name);
            return Directory.Exists(same)
                ? same
                : Directory.GetDirectories(shared).Where(d => Path.GetFileName(d).StartsWith(core.Name.Split('.')[0] + ".", StringComparison.Ordinal)).Order().LastOrDefault();
        }
    }
}
