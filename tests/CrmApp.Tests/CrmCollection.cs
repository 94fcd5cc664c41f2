using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests;

/// <summary>
/// One running system (simulator, inbox, poller, CrmApp, MariaDB) shared by every CRM test; each test makes its own
/// WeChat users and accounts, so order does not matter. Classes run one after another to stay within two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CrmCollection : ICollectionFixture<CrmFixture>
{
    public const string Name = "crm";
}

public sealed class CrmFixture : IAsyncLifetime
{
    public CrmSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await CrmSystem.StartAsync("crm");

    public async Task DisposeAsync() => await System.DisposeAsync();
}
