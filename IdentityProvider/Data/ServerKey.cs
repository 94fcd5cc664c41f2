namespace Weixin.Inbox.IdentityProvider.Data;

/// <summary>
/// One RSA key of the provider (<c>server_keys</c>), owned by <see cref="Keys.ServerKeyStore"/>: a signing key
/// (<see cref="ServerKeyUses.Signing"/>: JWTs — id_tokens and access tokens — published in the JWKS) or an encryption key
/// (<see cref="ServerKeyUses.Encryption"/>: OpenIddict's own tokens — authorization codes and refresh tokens — never published).
/// </summary>
public sealed class ServerKey
{
    public long Id { get; set; }

    /// <summary><see cref="ServerKeyUses"/>.</summary>
    public string Use { get; set; } = "";

    /// <summary>The JWK <c>kid</c> (random, 22 characters): tokens name the key that signed them.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>The private key (PKCS#8), protected with the provider's data-protection key ring; never stored in clear.</summary>
    public string ProtectedKey { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>From this time the key is the one that signs (or encrypts) new tokens, unless a newer one is active.</summary>
    public DateTime ActivatesAt { get; set; }

    /// <summary>Set when a newer key took over: from then on it only verifies (decrypts) what it made before.</summary>
    public DateTime? RetiresAt { get; set; }

    /// <summary>When the last token it made has expired: then it leaves the JWKS and the table.</summary>
    public DateTime? ExpiresAt { get; set; }
}

/// <summary>The values of <see cref="ServerKey.Use"/> (the JWK <c>use</c> parameter's values).</summary>
public static class ServerKeyUses
{
    public const string Signing = "sig";
    public const string Encryption = "enc";
}
