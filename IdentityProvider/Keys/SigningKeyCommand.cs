using Weixin.Inbox.IdentityProvider.Data;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>
/// <c>dotnet IdentityProvider.dll signing-key rotate [--now]</c>: makes a new signing key and a new encryption key
/// (published at once, in use after <c>Keys:PublishAhead</c>, or at once with <c>--now</c>); running instances pick them
/// up within <c>Keys:CheckInterval</c>. Tokens already issued stay valid until they expire. Exit 0 done, 1 failed, 2 usage.
/// </summary>
public static class SigningKeyCommand
{
    public const string Verb = "signing-key";

    public static bool IsRequested(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not [Verb, "rotate", .. var rest] || rest.Any(a => a != "--now"))
        {
            await Console.Error.WriteLineAsync("用法 / usage: IdentityProvider.dll signing-key rotate [--now]");
            return 2;
        }

        var store = services.GetRequiredService<ServerKeyStore>();
        TimeSpan? ahead = rest.Contains("--now") ? TimeSpan.Zero : null;
        var signing = await store.RotateAsync(ServerKeyUses.Signing, ahead, CancellationToken.None);
        var encryption = await store.RotateAsync(ServerKeyUses.Encryption, ahead, CancellationToken.None);
        Console.Out.WriteLine($"新密钥已生成 / new keys made: signing {signing.KeyId}, encryption {encryption.KeyId}, in use from {signing.ActivatesAt:u} (UTC)");
        return 0;
    }
}
