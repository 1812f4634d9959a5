using ConnectidMail.Persistence;
using Xunit;

namespace ConnectidMail.Testing;

/// <summary>
/// A test about one database's own behaviour (SQLite pragmas, the database file): it runs in that database's
/// lane and is reported as skipped, with the reason, in the other one.
/// </summary>
public sealed class LaneFactAttribute : FactAttribute
{
    public LaneFactAttribute(DatabaseProvider lane)
    {
        Skip = LaneSkip.Reason(lane);
    }
}

/// <inheritdoc cref="LaneFactAttribute"/>
public sealed class LaneTheoryAttribute : TheoryAttribute
{
    public LaneTheoryAttribute(DatabaseProvider lane)
    {
        Skip = LaneSkip.Reason(lane);
    }
}

internal static class LaneSkip
{
    public static string? Reason(DatabaseProvider lane) =>
        DatabaseLane.Current == lane
            ? null
            : $"{lane}-specific: runs in the {lane} lane ({DatabaseLane.EnvironmentVariable}={lane}); this is the {DatabaseLane.Current} lane.";
}
