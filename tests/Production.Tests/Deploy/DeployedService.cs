using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Production.Tests.Deploy;

/// <summary>
/// One service as docs/DEPLOY.md installs it: its project (= dist/&lt;Project&gt;/ and /opt/weixin/&lt;Project&gt;/), its short
/// name (weixin-&lt;Name&gt;.service, user weixin-&lt;Name&gt;, /etc/weixin/&lt;Name&gt;.env, deploy/env/&lt;Name&gt;.env.example).
/// </summary>
public sealed record DeployedService(string Name, string Project)
{
    public static readonly IReadOnlyList<DeployedService> All =
    [
        new("inbox", "PublicInbox"),
        new("poller", "IntranetPoller"),
        new("crm", "CrmApp"),
        new("idp", "IdentityProvider"),
    ];

    public static DeployedService Named(string shortName) => All.Single(s => s.Name == shortName);

    public string UnitName => $"weixin-{Name}.service";

    public string UnitPath => Path.Combine(TestEnvironment.RepoRoot, "deploy", "systemd", UnitName);

    public string EnvExamplePath => Path.Combine(TestEnvironment.RepoRoot, "deploy", "env", $"{Name}.env.example");

    public string InstalledDll => $"/opt/weixin/{Project}/{Project}.dll";

    public string PublishedDirectory => Path.Combine(Dist.Root, Project);

    public string PublishedDll => Path.Combine(PublishedDirectory, Project + ".dll");

    public override string ToString() => Name;
}

/// <summary>Where `./run.sh publish` put the services: env WX_DIST (./run.sh test exports it), else &lt;repo&gt;/dist.</summary>
public static class Dist
{
    public static string Root { get; } = Environment.GetEnvironmentVariable("WX_DIST") is { Length: > 0 } fromEnv
        ? fromEnv
        : Path.Combine(TestEnvironment.RepoRoot, "dist");

    /// <summary>Fails (never skips) with what to do when the published layout is missing.</summary>
    public static void RequirePublished(DeployedService service)
    {
        Assert.True(File.Exists(service.PublishedDll),
            $"{service.PublishedDll} does not exist. These tests check the published services (what a host gets): run " +
            "`./run.sh publish` first (./run.sh test does, and exports WX_DIST), or point WX_DIST at a directory holding " +
            "PublicInbox/, IntranetPoller/ and CrmApp/ from `dotnet publish -c Release -o dist/<S> <S>/<S>.csproj`. " +
            $"WX_DIST is {(Environment.GetEnvironmentVariable("WX_DIST") is { Length: > 0 } d ? $"'{d}'" : "not set")}.");
    }
}
