using System.Buffers.Text;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Tests.OAuth;

public class LoginSecretsTests
{
    [Fact]
    public void NewToken_CarriesAtLeast128RandomBitsInUrlSafeCharacters()
    {
        var token = LoginSecrets.NewToken();

        Assert.Matches("^[A-Za-z0-9_-]+$", token); // no '+', '/', '=' that would need escaping in a URL or cookie
        var bytes = Base64Url.DecodeFromChars(token);
        Assert.True(bytes.Length * 8 >= 128, $"only {bytes.Length * 8} bits");
        Assert.Equal(43, token.Length); // 256 bits, as the weixin_logins columns (varchar(43)) expect
    }

    [Fact]
    public void NewToken_NeverRepeats()
    {
        var tokens = Enumerable.Range(0, 10_000).Select(_ => LoginSecrets.NewToken()).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(10_000, tokens.Count);
    }

    [Fact]
    public void NewState_IsLettersAndDigitsOnly_AsWeixinAllows()
    {
        // WeChat's authorize page: "state … a-zA-Z0-9的参数值，最多128字节"; base64url's '-' and '_' are refused.
        var states = Enumerable.Range(0, 2_000).Select(_ => LoginSecrets.NewState()).ToList();

        Assert.All(states, s => Assert.Matches("^[A-Za-z0-9]{43}$", s)); // 43 of 62 characters: 256 bits, fits varchar(43)
        Assert.Equal(states.Count, states.ToHashSet(StringComparer.Ordinal).Count);
        Assert.Contains(states, s => s.Any(char.IsAsciiLetterUpper));
        Assert.Contains(states, s => s.Any(char.IsAsciiDigit));
    }

    [Fact]
    public void HashTicket_IsLowerCaseHexSha256()
    {
        // Note: the FIPS 180-2 test vector for "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", LoginSecrets.HashTicket("abc"));
    }

    [Fact]
    public void HashTicket_DiffersFromTheTicketAndDoesNotContainIt()
    {
        var ticket = LoginSecrets.NewToken();

        var hash = LoginSecrets.HashTicket(ticket);

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.NotEqual(ticket, hash);
        Assert.DoesNotContain(ticket, hash, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TicketMatches_TrueForTheTicketWhoseHashIsStored()
    {
        var ticket = LoginSecrets.NewToken();

        Assert.True(LoginSecrets.TicketMatches(ticket, LoginSecrets.HashTicket(ticket)));
    }

    [Fact]
    public void TicketMatches_FalseForAnyOtherTicket()
    {
        var ticket = LoginSecrets.NewToken();
        var stored = LoginSecrets.HashTicket(ticket);
        var oneCharChanged = (ticket[0] == 'A' ? 'B' : 'A') + ticket[1..];

        Assert.False(LoginSecrets.TicketMatches(LoginSecrets.NewToken(), stored));
        Assert.False(LoginSecrets.TicketMatches(oneCharChanged, stored));
        Assert.False(LoginSecrets.TicketMatches(ticket.ToUpperInvariant(), stored));
        Assert.False(LoginSecrets.TicketMatches(ticket + "x", stored));
        Assert.False(LoginSecrets.TicketMatches("", stored));
    }

    [Fact]
    public void TicketMatches_FalseWhenTheStoredHashItselfIsPresented()
    {
        // Note: someone who read the database must not be able to redeem with what they read.
        var stored = LoginSecrets.HashTicket(LoginSecrets.NewToken());

        Assert.False(LoginSecrets.TicketMatches(stored, stored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ba7816bf")]
    public void TicketMatches_FalseWhenNoUsableHashIsStored(string? stored)
    {
        Assert.False(LoginSecrets.TicketMatches("abc", stored));
    }
}
