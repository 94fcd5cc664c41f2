using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Data.CompiledModel;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.PublicInbox.Tests.Data;

/// <summary>The PublicInbox runs on the compiled EF Core model in PublicInbox/Data/CompiledModel (db/compile-models.sh), kept equal to what <see cref="InboxDbContext"/>'s code builds.</summary>
public sealed class CompiledModelTests
{
    [Fact]
    public void TheServiceRunsOnTheCompiledModel_AndItMatchesTheModelTheCodeBuilds()
    {
        // Note: the design-time factory opens no connection (the server version is fixed).
        using var db = new InboxDbContextDesignTimeFactory().CreateDbContext([]);
        Assert.Null(CompiledModels.Problem(db, InboxDbContextModel.Instance));
    }
}
