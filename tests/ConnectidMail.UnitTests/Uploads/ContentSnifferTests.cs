using System.Text;
using ConnectidMail.Uploads;

namespace ConnectidMail.UnitTests.Uploads;

public sealed class ContentSnifferTests
{
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0];
    private static readonly byte[] Pe = [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0];

    public static TheoryData<string, byte[]> Genuine => new()
    {
        { "report.pdf", Bytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj") },
        { "letter.docx", [.. "PK\u0003\u0004"u8, 20, 0, 6, 0] },
        { "sheet.xlsx", [.. "PK\u0003\u0004"u8, 20, 0] },
        { "slides.pptx", [.. "PK\u0003\u0004"u8, 20, 0] },
        { "text.odt", [.. "PK\u0003\u0004"u8, 10, 0] },
        { "archive.zip", [.. "PK\u0003\u0004"u8, 10, 0] },
        { "empty.zip", [.. "PK\u0005\u0006"u8, 0, 0, 0, 0] },
        { "old.doc", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0] },
        { "old.xls", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0] },
        { "mail.msg", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0] },
        { "scan.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "photo.jpg", [0xFF, 0xD8, 0xFF, 0xE1, 0, 0x10] },
        { "photo.JPEG", [0xFF, 0xD8, 0xFF, 0xDB] },
        { "anim.gif", Bytes("GIF89a\u0001\u0000") },
        { "fax.tif", [.. "II*\0"u8, 8, 0, 0, 0] },
        { "fax.tiff", [.. "MM\0*"u8, 0, 0, 0, 8] },
        { "iphone.heic", [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8] },
        { "image.webp", [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WEBPVP8 "u8] },
        { "doc.rtf", Bytes("{\\rtf1\\ansi Hello}") },
        { "notes.txt", Bytes("Hello,\r\n\tthe figures:\f1 2 3\n") },
        { "danish.txt", Encoding.Latin1.GetBytes("R\u00f8dgr\u00f8d med fl\u00f8de\n") },
        { "utf8.csv", Bytes("navn;by\nS\u00f8ren;\u00c5rhus\n") },
        { "excel-unicode.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Name\tCity\r\nS\u00f8ren\t\u00c5rhus\r\n")] },
        { "big-endian.txt", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("Hello\n")] },
        { "empty.txt", [] },
        { "data.json", Bytes("{\"a\": [1, 2]}") },
        { "MZ-initials.txt", Bytes("MZ and KL met on Monday.\n") },
    };

    [Theory]
    [MemberData(nameof(Genuine))]
    public void Content_that_matches_its_type_passes(string name, byte[] content)
    {
        Assert.Null(Sniff(name, content));
        Assert.Null(SniffByteByByte(name, content));
    }

    public static TheoryData<string, byte[]> Executables => new()
    {
        { "invoice.pdf", Elf },
        { "invoice.txt", Elf },
        { "photo.jpg", Elf },
        { "setup.pdf", Pe },
        { "setup.docx", Pe },
        { "notes.txt", Pe },
        { "run.txt", Bytes("#!/bin/sh\nrm -rf ~\n") },
        { "data.csv", Bytes("#!/usr/bin/env python3\nprint(1)\n") },
        { "App.zip", [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x34] },
        { "mac.pdf", [0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1] },
        { "mac32.doc", [0xCE, 0xFA, 0xED, 0xFE, 7, 0, 0, 0] },
        { "mac-be.png", [0xFE, 0xED, 0xFA, 0xCF, 0, 0, 0, 7] },
        { "module.json", [0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(Executables))]
    public void A_program_or_script_is_refused_whatever_its_extension(string name, byte[] content)
    {
        Assert.Equal(ContentProblem.Executable, Sniff(name, content));
        Assert.Equal(ContentProblem.Executable, SniffByteByByte(name, content));
    }

    [Fact]
    public void An_executable_is_refused_even_for_a_type_without_a_content_rule()
    {
        Assert.Equal(ContentFamily.Unchecked, FileTypes.FamilyOf("dwg"));
        Assert.Equal(ContentProblem.Executable, Sniff("drawing.dwg", Elf));
        Assert.Null(Sniff("drawing.dwg", Bytes("AC1032\u0000\u0000\u0000")));
    }

    public static TheoryData<string, byte[]> Mismatched => new()
    {
        { "report.pdf", Bytes("Just some text pretending.") },
        { "report.pdf", [.. "PK\u0003\u0004"u8, 0] },
        { "letter.docx", Bytes("%PDF-1.4\n") },
        { "old.doc", [.. "PK\u0003\u0004"u8, 0] },
        { "photo.jpg", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] },
        { "scan.png", [0xFF, 0xD8, 0xFF, 0xE0] },
        { "anim.gif", Bytes("GIF90a") },
        { "iphone.heic", [0, 0, 0, 0x18, .. "ftypmp42"u8, 0, 0, 0, 0] },
        { "image.webp", [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WAVEfmt "u8] },
        { "doc.rtf", Bytes("{\"json\": true}") },
        { "empty.pdf", [] },
        { "short.pdf", Bytes("%PD") },
    };

    [Theory]
    [MemberData(nameof(Mismatched))]
    public void Content_of_another_type_is_refused(string name, byte[] content)
    {
        Assert.Equal(ContentProblem.WrongType, Sniff(name, content));
        Assert.Equal(ContentProblem.WrongType, SniffByteByByte(name, content));
    }

    public static TheoryData<string, byte[]> NotText => new()
    {
        { "notes.txt", Bytes("Hello\0World") },
        { "data.csv", Bytes("a,b\n\u0001,2\n") },
        { "page.html", Bytes("<p>\u001b[31m</p>") },
        { "random.txt", [0x12, 0x9F, 0x00, 0xAA, 0x03] },
        { "utf16.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Hi\0there")] },
        { "odd-utf16.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Hi"), (byte)'!'] },
    };

    [Theory]
    [MemberData(nameof(NotText))]
    public void A_text_type_with_binary_data_is_refused(string name, byte[] content)
    {
        Assert.Equal(ContentProblem.NotText, Sniff(name, content));
    }

    [Fact]
    public void Binary_data_far_into_a_text_file_is_found()
    {
        var content = Bytes(new string('a', 1_000_000) + "\0");

        Assert.Equal(ContentProblem.NotText, Sniff("long.txt", content));
    }

    [Fact]
    public void A_mismatch_is_reported_as_soon_as_the_header_is_complete()
    {
        var sniffer = new ContentSniffer(ContentFamily.Pdf);

        Assert.Null(sniffer.Add(new byte[ContentSniffer.HeaderLength - 1]));
        Assert.Equal(ContentProblem.WrongType, sniffer.Add(new byte[1]));
    }

    /// <summary>The whole content in one chunk, then the end.</summary>
    private static ContentProblem? Sniff(string name, byte[] content)
    {
        var sniffer = new ContentSniffer(FileTypes.FamilyOf(FileTypes.ExtensionOf(name)));
        return sniffer.Add(content) ?? sniffer.Complete();
    }

    /// <summary>One byte at a time, as a slow network might deliver it: the verdict must be the same.</summary>
    private static ContentProblem? SniffByteByByte(string name, byte[] content)
    {
        var sniffer = new ContentSniffer(FileTypes.FamilyOf(FileTypes.ExtensionOf(name)));
        foreach (var value in content)
        {
            if (sniffer.Add([value]) is { } problem)
            {
                return problem;
            }
        }

        return sniffer.Complete();
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
