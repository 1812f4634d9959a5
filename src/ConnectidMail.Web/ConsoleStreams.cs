namespace ConnectidMail.Web;

/// <summary>Standard input, output and error, passed in so the CLI can be run in-process by tests.</summary>
public sealed record ConsoleStreams(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal)
{
    public static ConsoleStreams System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}
