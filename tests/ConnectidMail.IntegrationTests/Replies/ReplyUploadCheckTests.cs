using System.Net;
using System.Text;
using ConnectidMail.Audit;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Replies.ReplyTestSupport;

namespace ConnectidMail.IntegrationTests.Replies;

/// <summary>
/// Reply files go through the same upload checks as a message's: an ELF executable renamed <c>.pdf</c> and a file a
/// (fake) clamd reports as malware are refused with problem details, recorded as <c>upload.rejected</c>, and leave
/// nothing else stored.
/// </summary>
public sealed class ReplyUploadCheckTests
{
    [Fact]
    public async Task An_ELF_renamed_pdf_and_a_virus_in_a_reply_are_refused_recorded_and_store_nothing()
    {
        await using var clamd = FakeClamd.Start();
        clamd.Answer = ClamdAnswer.Infected;
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(new Dictionary<string, string?>(sink.PortalSettings()).Concat(clamd.Settings()).ToDictionary()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, ReplyTests.NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Checked", body = "Send a document" });
        await recipient.VerifyAndConsentAsync();

        var elf = new byte[50_000];
        Random.Shared.NextBytes(elf);
        "\u007fELF\u0002\u0001\u0001"u8.CopyTo(elf);
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "My invoice", null, ("fine.pdf", SampleFiles.For("fine.pdf", 80_000)), ("invoice.pdf", elf)),
            "'invoice.pdf' is a program or script, which is never accepted.", "executable content");

        byte[] virus = [.. Encoding.ASCII.GetBytes("Pretend malware: "), .. FakeClamd.VirusMarker];
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "A document", null, ("eicar.txt", virus)),
            $"'eicar.txt' contains malware ({FakeClamd.Signature}) and was refused.", "malware found");

        // A clean file of the same type passes the same checks.
        using var accepted = await ReplyAsync(recipient, id, "The real one", null, ("invoice.pdf", SampleFiles.For("invoice.pdf", 60_000)));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.NotEmpty(clamd.Streams);
    }

    private static async Task AssertRefusedAsync(PortalFactory portal, Func<Task<HttpResponseMessage>> send, string error, string reason)
    {
        var before = await MessagingApi.StoredAsync(portal);
        var rejections = await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.UploadRejected));

        using var response = await send();

        var problem = await MessagingApi.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        MessagingApi.AssertFieldError(problem, "files");
        Assert.Contains(error, problem.GetProperty("errors").GetProperty("files").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(before, await MessagingApi.StoredAsync(portal));
        var recorded = await portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.UploadRejected).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(rejections + 1, recorded.Count);
        Assert.Contains(reason, recorded[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(AuditActorKind.Recipient, recorded[^1].ActorKind);
    }
}
