namespace ConnectidMail.Web.Admin;

/// <summary>
/// <c>--name value</c> and <c>--name=value</c> options of an admin command. Settings such as
/// <c>--Storage:DataPath</c> and the host's own <c>--environment</c> and <c>--contentRoot</c> pass through
/// to the configuration and are skipped here.
/// </summary>
internal sealed class CliOptions
{
    private static readonly string[] HostSettings = ["environment", "contentRoot", "applicationName"];

    private readonly Dictionary<string, List<string>> values = new(StringComparer.OrdinalIgnoreCase);

    public static bool TryParse(string[] args, IReadOnlyCollection<string> known, out CliOptions options, out string? error)
    {
        options = new CliOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"unexpected argument '{arg}'.";
                return false;
            }

            var nameAndValue = arg[2..].Split('=', 2);
            string? value;
            if (nameAndValue.Length == 2)
            {
                value = nameAndValue[1];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                error = $"option --{nameAndValue[0]} needs a value.";
                return false;
            }

            if (nameAndValue[0].Contains(':', StringComparison.Ordinal) || HostSettings.Contains(nameAndValue[0], StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!known.Contains(nameAndValue[0], StringComparer.OrdinalIgnoreCase))
            {
                error = $"unknown option --{nameAndValue[0]}; this command takes {string.Join(", ", known.Select(k => "--" + k))}.";
                return false;
            }

            if (!options.values.TryGetValue(nameAndValue[0], out var list))
            {
                options.values[nameAndValue[0]] = list = [];
            }

            list.Add(value);
        }

        return true;
    }

    public IReadOnlyList<string> All(string name) => values.TryGetValue(name, out var list) ? list : [];

    public bool TryGetSingle(string name, out string? value, ConsoleStreams console, bool required = true)
    {
        var all = All(name);
        value = all.Count == 1 ? all[0] : null;
        if (all.Count > 1)
        {
            console.Error.WriteLine($"error: --{name} is given more than once.");
            return false;
        }

        if (required && string.IsNullOrWhiteSpace(value))
        {
            console.Error.WriteLine($"error: --{name} is required.");
            return false;
        }

        return true;
    }
}
