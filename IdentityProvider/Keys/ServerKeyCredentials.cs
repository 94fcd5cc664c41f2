using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>
/// Hands OpenIddict the keys of <see cref="ServerKeyStore"/> each time its options are built (at the first request, and
/// again after <see cref="ServerKeyJob"/> saw the key set change): signing credentials (RS256; the first signs, all are
/// published in the JWKS and validate) and encryption credentials (RSA-OAEP + A256CBC-HS512; the first encrypts
/// codes and refresh tokens, all decrypt).
/// </summary>
public sealed class ServerKeyCredentials(ServerKeyStore store) : IConfigureOptions<OpenIddictServerOptions>, IPostConfigureOptions<OpenIddictServerOptions>
{
    private List<string> _order = [];

    /// <summary>The fingerprint of the set OpenIddict's current options were built with.</summary>
    public string? LoadedFingerprint { get; private set; }

    public void Configure(OpenIddictServerOptions options)
    {
        // Note: options are built synchronously; this blocks once per (re)build — at the first request and after a
        // rotation — never per request.
        var set = store.LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
        foreach (var key in set.Signing)
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in set.Encryption)
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }

        _order = [.. set.Signing.Select(k => k.KeyId!), .. set.Encryption.Select(k => k.KeyId!)];
        LoadedFingerprint = set.Fingerprint;
    }

    public void PostConfigure(string? name, OpenIddictServerOptions options)
    {
        // Note: OpenIddict sorts its credentials (X.509 and symmetric keys first; two RSA keys compare equal), and the
        // first one signs. Put ours back in the store's order so the newest active key signs whatever the sort did.
        Reorder(options.SigningCredentials, c => c.Key.KeyId);
        Reorder(options.EncryptionCredentials, c => c.Key.KeyId);
    }

    private void Reorder<T>(List<T> list, Func<T, string> keyId)
    {
        // Note: a credential not from the store (none today) keeps its place after ours.
        var sorted = list.OrderBy(item => _order.IndexOf(keyId(item)) is var i and >= 0 ? i : int.MaxValue).ToList();
        list.Clear();
        list.AddRange(sorted);
    }
}
