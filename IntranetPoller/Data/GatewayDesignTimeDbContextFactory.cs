using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a database or the web host's settings.</summary>
public sealed class GatewayDesignTimeDbContextFactory : IDesignTimeDbContextFactory<GatewayDbContext>
{
    /// <inheritdoc />
    public GatewayDbContext CreateDbContext(string[] args)
    {
        // Note: never opened; the server version is fixed, so no connection is needed to generate migrations.
        var options = new DbContextOptionsBuilder<GatewayDbContext>();
        GatewayDbContext.Configure(options, "Server=127.0.0.1;Port=3307;Database=weixin_gateway;User=design_time");
        return new GatewayDbContext(options.Options);
    }
}
