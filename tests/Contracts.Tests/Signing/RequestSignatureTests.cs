using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Contracts.Tests.Signing;

public class RequestSignatureTests
{
    private const string OldKey = "old-key-0123456789-0123456789-0123456789";
    private const string NewKey = "new-key-abcdefghij-abcdefghij-abcdefghij";
    private const string Id = "req_0123456789abcdef";
    private const string Method = "POST";
    private const string Target = "/poller/v1/claim?a=1";
    private static readonly DateTimeOffset Now = new(2025, 5, 17, 10, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"maxItems\":10}");

    private static RequestVerifier Verifier(params string[] keys) =>
        new(new SigningOptions { Keys = [.. keys] }, new FixedTimeProvider(Now));

    private static string Sign(string key, long timestamp, string id = Id, string method = Method, string target = Target, byte[]? body = null) =>
        RequestSignature.Version + "," + RequestSignature.Compute(RequestSignature.KeyBytes(key), id, timestamp, method, target, body ?? Body);

    private static string Ts(long unix) => unix.ToString(CultureInfo.InvariantCulture);

    private static long NowUnix => Now.ToUnixTimeSeconds();

    [Fact]
    public void Verify_ValidSignature_ReturnsNone()
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(NewKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.None, result);
    }

    [Fact]
    public void Verify_SignedWithWrongKey_ReturnsBadSignature()
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(OldKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Verify_TimestampBeyondTolerance_ReturnsStale(int offsetSeconds)
    {
        var ts = NowUnix + offsetSeconds;
        var result = Verifier(NewKey).Verify(Id, Ts(ts), Sign(NewKey, ts), Method, Target, Body);
        Assert.Equal(SignatureFailure.Stale, result);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void Verify_TimestampWithinTolerance_ReturnsNone(int offsetSeconds)
    {
        var ts = NowUnix + offsetSeconds;
        var result = Verifier(NewKey).Verify(Id, Ts(ts), Sign(NewKey, ts), Method, Target, Body);
        Assert.Equal(SignatureFailure.None, result);
    }

    [Fact]
    public void Verify_TamperedBody_ReturnsBadSignature()
    {
        var tampered = Encoding.UTF8.GetBytes("{\"maxItems\":99}");
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(NewKey, NowUnix), Method, Target, tampered);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Theory]
    [InlineData("/poller/v1/claim?a=2")]
    [InlineData("/poller/v1/claim")]
    [InlineData("/poller/v1/claim?a=1&b=2")]
    [InlineData("/poller/v1/items/1/complete?a=1")]
    public void Verify_TamperedPathOrQuery_ReturnsBadSignature(string tamperedTarget)
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(NewKey, NowUnix), Method, tamperedTarget, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Fact]
    public void Verify_TamperedMethod_ReturnsBadSignature()
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(NewKey, NowUnix), "PUT", Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Fact]
    public void Verify_TamperedId_ReturnsBadSignature()
    {
        var result = Verifier(NewKey).Verify("req_other", Ts(NowUnix), Sign(NewKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Fact]
    public void Verify_TamperedTimestamp_ReturnsBadSignature()
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix + 1), Sign(NewKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Theory]
    [InlineData(null, "ts", "sig")]
    [InlineData("", "ts", "sig")]
    [InlineData("id", null, "sig")]
    [InlineData("id", "", "sig")]
    [InlineData("id", "ts", null)]
    [InlineData("id", "ts", "")]
    [InlineData("id", "17x5943329", "sig")]
    [InlineData("id", "-1715943329", "sig")]
    [InlineData("id", "1715943329.5", "sig")]
    public void Verify_MissingOrMalformedHeader_ReturnsMalformed(string? id, string? timestamp, string? signature)
    {
        var ts = timestamp == "ts" ? Ts(NowUnix) : timestamp;
        var sig = signature == "sig" ? Sign(NewKey, NowUnix) : signature;
        var result = Verifier(NewKey).Verify(id == "id" ? Id : id, ts, sig, Method, Target, Body);
        Assert.Equal(SignatureFailure.Malformed, result);
    }

    [Fact]
    public void Verify_ClientBound_OnlyTheSameClientVerifies()
    {
        var signed = RequestSignature.Version + "," + RequestSignature.Compute(RequestSignature.KeyBytes(NewKey), "crm", Id, NowUnix, Method, Target, Body);
        RequestVerifier For(string? client) => new([NewKey], TimeSpan.FromMinutes(5), new FixedTimeProvider(Now), client);

        Assert.Equal(SignatureFailure.None, For("crm").Verify(Id, Ts(NowUnix), signed, Method, Target, Body));
        // Note: the same key and request, but another client named (or none): the client id is part of the signed string.
        Assert.Equal(SignatureFailure.BadSignature, For("crm2").Verify(Id, Ts(NowUnix), signed, Method, Target, Body));
        Assert.Equal(SignatureFailure.BadSignature, For(null).Verify(Id, Ts(NowUnix), signed, Method, Target, Body));
        Assert.Equal(SignatureFailure.BadSignature, For("crm").Verify(Id, Ts(NowUnix), Sign(NewKey, NowUnix), Method, Target, Body));
    }

    [Fact]
    public void Verify_IdWithADot_ReturnsMalformed()
    {
        // Note: a '.' in the id could shift the signed string's segments (id.client.timestamp…).
        var result = Verifier(NewKey).Verify("req.crm", Ts(NowUnix), Sign(NewKey, NowUnix, id: "req.crm"), Method, Target, Body);
        Assert.Equal(SignatureFailure.Malformed, result);
    }

    [Fact]
    public void Verify_IdLongerThan128_ReturnsMalformed()
    {
        var id = new string('a', 129);
        var result = Verifier(NewKey).Verify(id, Ts(NowUnix), Sign(NewKey, NowUnix, id: id), Method, Target, Body);
        Assert.Equal(SignatureFailure.Malformed, result);
    }

    [Theory]
    [InlineData(NewKey)]
    [InlineData(OldKey)]
    public void Verify_DuringRotation_AcceptsEitherKey(string signingKey)
    {
        var result = Verifier(NewKey, OldKey).Verify(Id, Ts(NowUnix), Sign(signingKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.None, result);
    }

    [Fact]
    public void Verify_AfterRotation_RefusesOldKey()
    {
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), Sign(OldKey, NowUnix), Method, Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Fact]
    public void Verify_SeveralSignaturesOneGood_ReturnsNone()
    {
        var header = "v1,garbage " + Sign(NewKey, NowUnix);
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), header, Method, Target, Body);
        Assert.Equal(SignatureFailure.None, result);
    }

    [Fact]
    public void Verify_GoodMacUnderOtherVersionPrefix_ReturnsBadSignature()
    {
        var good = RequestSignature.Compute(RequestSignature.KeyBytes(NewKey), Id, NowUnix, Method, Target, Body);
        var result = Verifier(NewKey).Verify(Id, Ts(NowUnix), "v2," + good, Method, Target, Body);
        Assert.Equal(SignatureFailure.BadSignature, result);
    }

    [Fact]
    public void Compute_LowercaseMethod_SameAsUppercase()
    {
        var key = RequestSignature.KeyBytes(NewKey);
        Assert.Equal(
            RequestSignature.Compute(key, Id, NowUnix, "POST", Target, Body),
            RequestSignature.Compute(key, Id, NowUnix, "post", Target, Body));
    }

    [Fact]
    public void ReplayWindow_IsTwiceTheTolerance()
    {
        var verifier = new RequestVerifier(new SigningOptions { Keys = [NewKey], Tolerance = TimeSpan.FromSeconds(120) }, TimeProvider.System);
        Assert.Equal(TimeSpan.FromSeconds(240), verifier.ReplayWindow);
    }

    public static TheoryData<string[]> InvalidKeySets => new()
    {
        Array.Empty<string>(),
        new[] { NewKey, OldKey, "third-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
        new[] { "0123456789" },
        new[] { NewKey, "0123456789" },
        new[] { new string(' ', 40) },
    };

    [Theory]
    [MemberData(nameof(InvalidKeySets))]
    public void Validate_BadKeySet_ReturnsErrors(string[] keys)
    {
        Assert.NotEmpty(ValidateOptions(new SigningOptions { Keys = [.. keys] }));
    }

    public static TheoryData<string[]> ValidKeySets => new()
    {
        new[] { NewKey },
        new[] { NewKey, OldKey },
        new[] { new string('k', SigningOptions.MinimumKeyLength) },
    };

    [Theory]
    [MemberData(nameof(ValidKeySets))]
    public void Validate_OneOrTwoLongKeys_ReturnsNoErrors(string[] keys)
    {
        Assert.Empty(ValidateOptions(new SigningOptions { Keys = [.. keys] }));
    }

    [Fact]
    public void Validate_ToleranceOutOfRange_ReturnsErrors()
    {
        Assert.NotEmpty(ValidateOptions(new SigningOptions { Keys = [NewKey], Tolerance = TimeSpan.FromHours(2) }));
    }

    /// <summary>Runs data annotations and <see cref="IValidatableObject"/>, as <c>ValidateDataAnnotations</c> does.</summary>
    private static List<ValidationResult> ValidateOptions(SigningOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
