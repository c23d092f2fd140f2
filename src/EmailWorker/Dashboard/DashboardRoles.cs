namespace EmailWorker.Dashboard;

/// <summary>The two roles: a viewer reads everything; an operator may also replay, purge and change the suppression list. Also the policy names.</summary>
internal static class DashboardRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";

    public static bool IsKnown(string role) => role is Viewer or Operator;
}
