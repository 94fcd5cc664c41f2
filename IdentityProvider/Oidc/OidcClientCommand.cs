namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// <c>dotnet IdentityProvider.dll oidc-client add --id &lt;id&gt; --name &lt;显示名&gt; --redirect-uri &lt;uri&gt;
/// [--redirect-uri …] [--post-logout-redirect-uri &lt;uri&gt;] [--public] [--refresh-tokens] [--subject pairwise|public|openid]
/// [--sector &lt;sector&gt;]</c>: registers a client in the database; a confidential client's secret is generated and printed
/// once (only its hash is stored). Exit 0 done, 1 refused (exists, database), 2 usage.
/// </summary>
public static class OidcClientCommand
{
    public const string Verb = "oidc-client";

    public static bool IsRequested(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not [Verb, "add", .. var rest] || Parse(rest) is not { } client)
        {
            await Console.Error.WriteLineAsync(
                "用法 / usage: IdentityProvider.dll oidc-client add --id <id> --name <显示名> --redirect-uri <uri> [--post-logout-redirect-uri <uri>] [--public] [--refresh-tokens] [--subject pairwise|public|openid] [--sector <sector>]");
            return 2;
        }

        var problems = client.Problems(requireSecretForConfidential: false).ToList();
        if (problems.Count > 0)
        {
            foreach (var (member, message) in problems)
            {
                await Console.Error.WriteLineAsync($"{member}: {message}");
            }

            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
        if (await registry.ExistsAsync(client.Id, CancellationToken.None))
        {
            await Console.Error.WriteLineAsync($"客户端 '{client.Id}' 已存在 / client '{client.Id}' exists already");
            return 1;
        }

        var secret = await registry.AddAsync(client, CancellationToken.None);
        Console.Out.WriteLine($"client_id: {client.Id}");
        if (secret is not null)
        {
            Console.Out.WriteLine($"client_secret: {secret}");
            Console.Out.WriteLine("请立即保存密钥：只显示这一次 / keep the secret now: it is shown only once");
        }
        else
        {
            Console.Out.WriteLine("公开客户端：无密钥，必须使用 PKCE / public client: no secret, PKCE required");
        }

        return 0;
    }

    private static OidcClientSettings? Parse(string[] args)
    {
        var client = new OidcClientSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--id" when Next() is { } v: client.Id = v; break;
                case "--name" when Next() is { } v: client.DisplayName = v; break;
                case "--redirect-uri" when Next() is { } v: client.RedirectUris.Add(v); break;
                case "--post-logout-redirect-uri" when Next() is { } v: client.PostLogoutRedirectUris.Add(v); break;
                case "--subject" when Next() is { } v: client.Subject = v; break;
                case "--sector" when Next() is { } v: client.Sector = v; break;
                case "--public": client.Public = true; break;
                case "--refresh-tokens": client.AllowRefreshTokens = true; break;
                default: return null;
            }
        }

        return client;
    }
}
