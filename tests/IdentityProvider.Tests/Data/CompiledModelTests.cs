using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.IdentityProvider.Data.CompiledModel;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Data;

/// <summary>The IdentityProvider runs on the compiled EF Core model in IdentityProvider/Data/CompiledModel (db/compile-models.sh), kept equal to what <see cref="IdpDbContext"/>'s code builds.</summary>
public sealed class CompiledModelTests
{
    [Fact]
    public void TheServiceRunsOnTheCompiledModel_AndItMatchesTheModelTheCodeBuilds()
    {
        // Note: the design-time factory opens no connection (the server version is fixed).
        using var db = new IdpDbContextDesignTimeFactory().CreateDbContext([]);
        Assert.Null(CompiledModels.Problem(db, IdpDbContextModel.Instance));
    }
}
