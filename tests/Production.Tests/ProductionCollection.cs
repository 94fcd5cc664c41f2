namespace Weixin.Inbox.Production.Tests;

// Note: production tests start published services, nginx and database clusters; they share the box's two cores and
// fixed OS resources (nginx, Galera ports), so they run one at a time.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProductionCollection
{
    public const string Name = "Production";
}
