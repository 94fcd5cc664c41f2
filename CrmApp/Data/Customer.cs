namespace Weixin.Inbox.CrmApp.Data;

/// <summary>A customer the sales team follows up.</summary>
public sealed class Customer
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Company { get; set; }
    public string? Phone { get; set; }

    /// <summary>The account in charge of this customer.</summary>
    public int? OwnerId { get; set; }
    public Account? Owner { get; set; }

    public DateTime CreatedAt { get; set; }
    public List<FollowUpNote> Notes { get; set; } = [];
}

/// <summary>One follow-up (call, visit, message) written on a customer's page.</summary>
public sealed class FollowUpNote
{
    public long Id { get; set; }
    public int CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public int AuthorId { get; set; }
    public Account? Author { get; set; }
    public string Content { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
