using System.Diagnostics;
using Npgsql;

namespace ConnectidMail.Testing;

/// <summary>
/// A throwaway PostgreSQL 15 server for the PostgreSQL test lane: one per test process, started on first use in a
/// temp folder on a free loopback port (trust authentication, fsync off), stopped and deleted by a watchdog once the
/// test process has ended. Each portal gets a database of its own on it.
/// </summary>
public sealed class PostgresTestServer
{
    private const string BinFolder = "/usr/lib/postgresql/15/bin";
    private const string SuperUser = "postgres";

    private static readonly Lazy<PostgresTestServer> SharedServer = new(Start);

    private PostgresTestServer(string folder, int port)
    {
        Folder = folder;
        Port = port;
    }

    public static PostgresTestServer Shared => SharedServer.Value;

    /// <summary>Holds the cluster (<see cref="DataDirectory"/>), the server log and the Unix socket.</summary>
    public string Folder { get; }

    public string DataDirectory => Path.Combine(Folder, "data");

    public int Port { get; }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
    }.ConnectionString;

    /// <summary>An empty database of its own (no tables), as an operator creates one; returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = $"portal_{Guid.NewGuid():N}";
        // A file copy of the small template writes little WAL, which keeps the log short for tests that read it.
        Execute($"CREATE DATABASE \"{name}\" STRATEGY = FILE_COPY");
        return ConnectionString(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, ending connections still pooled by its portal.</summary>
    public void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static PostgresTestServer Start()
    {
        if (!File.Exists(Path.Combine(BinFolder, "initdb")))
        {
            throw new InvalidOperationException($"The PostgreSQL lane needs PostgreSQL 15 in {BinFolder}: apt-get install postgresql (tests/run.sh does it).");
        }

        var folder = Directory.CreateTempSubdirectory("connectidmail-pg-").FullName;
        try
        {
            // A root test run hands the folder to the postgres user, who runs the server.
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", SuperUser + ":", folder);
            }

            RunServerTool("initdb", "-D", Path.Combine(folder, "data"), "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync");
            var server = new PostgresTestServer(folder, StartOnFreePort(folder));
            server.StopWhenThisProcessEnds();
            return server;
        }
        catch
        {
            DeleteFolder(folder);
            throw;
        }
    }

    /// <summary>Another process may take the free port before the server binds it; then the next one is tried.</summary>
    private static int StartOnFreePort(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = PortalFactory.FreeTcpPort();
            try
            {
                // The server log goes to a file: pg_ctl's output pipe would otherwise stay open as long as the server runs.
                // Every portal keeps a connection pool of its own, hence more connections than the default 100.
                RunServerTool(
                    "pg_ctl", "-D", Path.Combine(folder, "data"), "-l", Path.Combine(folder, "server.log"), "-w", "-o",
                    $"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off -c max_connections=300",
                    "start");
                return port;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// A watchdog outside this process stops the server and deletes its folder once the test process has gone: the
    /// test runner may end its host before exit handlers finish, or kill it, and neither may leave a server behind.
    /// It is started detached (setsid, no inherited output) so that killing the test host's process tree spares it.
    /// </summary>
    private void StopWhenThisProcessEnds()
    {
        var stop = string.Join(' ', ServerToolCommand("pg_ctl", "-D", DataDirectory, "-m", "immediate", "stop").Select(Quote));
        var watchdog = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop}; rm -rf {Quote(Folder)}";
        Run("sh", "-c", $"setsid sh -c {Quote(watchdog)} </dev/null >/dev/null 2>&1 &");
    }

    private static string Quote(string word) => $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string[] ServerToolCommand(string tool, params string[] arguments)
    {
        var path = Path.Combine(BinFolder, tool);
        // initdb and the server refuse to run as root.
        return Environment.IsPrivilegedProcess ? ["runuser", "-u", SuperUser, "--", path, .. arguments] : [path, .. arguments];
    }

    private static void RunServerTool(string tool, params string[] arguments)
    {
        var command = ServerToolCommand(tool, arguments);
        Run(command[0], command[1..]);
    }

    private static void Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The OS temp cleaner takes what a dying server still held.
        }
    }
}
