using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Pages.Customers;

/// <summary><c>/customers/{id}</c>: one customer and its follow-up notes, with a form to add one.</summary>
public sealed class DetailsModel(CrmDbContext db, TimeProvider time, ILogger<DetailsModel> logger) : PageModel
{
    public Card Customer { get; private set; } = null!;

    [BindProperty]
    public NoteCommand Note { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(int id)
    {
        if (await new Query(id).RunAsync(db, HttpContext.RequestAborted) is not { } card)
        {
            return NotFound();
        }

        Customer = card;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int id)
    {
        if (!await db.Customers.AnyAsync(c => c.Id == id, HttpContext.RequestAborted))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            Customer = (await new Query(id).RunAsync(db, HttpContext.RequestAborted))!;
            return Page();
        }

        var note = new FollowUpNote
        {
            CustomerId = id,
            AuthorId = CurrentAccount.Id(User),
            Content = Note.Content!.Trim(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Notes.Add(note);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Note {NoteId} added to customer {CustomerId} by account {AccountId}", note.Id, id, note.AuthorId);
        return Redirect($"/customers/{id}#notes");
    }

    public sealed record Query(int Id)
    {
        public Task<Card?> RunAsync(CrmDbContext db, CancellationToken cancellationToken) => db.Customers.AsNoTracking()
            .Where(c => c.Id == Id)
            .Select(c => new Card(
                c.Id, c.Name, c.Company, c.Phone, c.Owner == null ? null : c.Owner.DisplayName, c.CreatedAt,
                c.Notes.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
                    .Select(n => new NoteRow(n.Id, n.Author!.DisplayName, n.Content, n.CreatedAt)).ToList()))
            .SingleOrDefaultAsync(cancellationToken);
    }

    public sealed record Card(int Id, string Name, string? Company, string? Phone, string? Owner, DateTime CreatedAt, List<NoteRow> Notes);

    public sealed record NoteRow(long Id, string Author, string Content, DateTime CreatedAt);

    public sealed class NoteCommand
    {
        [Required(ErrorMessage = "请填写跟进内容。")]
        [StringLength(1000, ErrorMessage = "跟进内容最多 1000 字。")]
        public string? Content { get; set; }
    }
}
