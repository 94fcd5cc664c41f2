using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Data.CompiledModel;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Data;

/// <summary>The CrmApp runs on the compiled EF Core model in CrmApp/Data/CompiledModel (db/compile-models.sh), kept equal to what <see cref="CrmDbContext"/>'s code builds.</summary>
public sealed class CompiledModelTests
{
    [Fact]
    public void TheServiceRunsOnTheCompiledModel_AndItMatchesTheModelTheCodeBuilds()
    {
        // Note: the design-time factory opens no connection (the server version is fixed).
        using var db = new CrmDbContextDesignTimeFactory().CreateDbContext([]);
        Assert.Null(CompiledModels.Problem(db, CrmDbContextModel.Instance));
    }
}
