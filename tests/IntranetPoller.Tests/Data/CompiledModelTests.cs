using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Data.CompiledModel;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IntranetPoller.Tests.Data;

/// <summary>The IntranetPoller runs on the compiled EF Core model in IntranetPoller/Data/CompiledModel (db/compile-models.sh), kept equal to what <see cref="GatewayDbContext"/>'s code builds.</summary>
public sealed class CompiledModelTests
{
    [Fact]
    public void TheServiceRunsOnTheCompiledModel_AndItMatchesTheModelTheCodeBuilds()
    {
        // Note: the design-time factory opens no connection (the server version is fixed).
        using var db = new GatewayDesignTimeDbContextFactory().CreateDbContext([]);
        Assert.Null(CompiledModels.Problem(db, GatewayDbContextModel.Instance));
    }
}
