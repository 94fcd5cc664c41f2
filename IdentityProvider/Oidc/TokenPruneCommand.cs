using Weixin.Inbox.IdentityProvider.Data;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// <c>dotnet IdentityProvider.dll oidc-prune</c>: what <see cref="TokenPruneJob"/> does every <c>Oidc:PruneInterval</c>,
/// once, now (after a flood of abandoned logins, or before a backup). Exit 0 done (prints the counts), 2 usage.
/// </summary>
public static class TokenPruneCommand
{
    public const string Verb = "oidc-prune";

    public static bool IsRequested(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not [Verb])
        {
            await Console.Error.WriteLineAsync("用法 / usage: IdentityProvider.dll oidc-prune");
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var (tokens, authorizations) = await TokenPruneJob.PruneAsync(
            scope.ServiceProvider.GetRequiredService<IdpDbContext>(), (now - TokenPruneJob.KeepFor).UtcDateTime, now.UtcDateTime, CancellationToken.None);
        Console.Out.WriteLine($"已清理 / pruned: {tokens} token(s), {authorizations} authorization(s)");
        return 0;
    }
}
