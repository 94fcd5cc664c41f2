using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>Rotation of the provider's RSA keys (section <c>Keys</c>); see <see cref="ServerKeyStore"/>.</summary>
public sealed class ServerKeyOptions
{
    public const string Section = "Keys";

    /// <summary>
    /// A new signing key and a new encryption key are made when the newest of their kind is this old. Default
    /// <c>30.00:00:00</c>; at least one hour.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan RotationInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a new key is published in the JWKS before it signs: relying parties that cache the JWKS (most refresh it
    /// daily, Microsoft's handler also on an unknown <c>kid</c>) know it before the first token it signs. Default
    /// <c>01:00:00</c>; <c>00:00:00</c> makes a rotation sign at once (the tests).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan PublishAhead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often each instance re-reads the key set (a rotation made by another instance or by the
    /// <c>signing-key rotate</c> command, a pre-published key that became active) and rotates when due. Default
    /// <c>00:01:00</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
