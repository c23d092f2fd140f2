using Microsoft.AspNetCore.Identity;


namespace EmailWorker.Dashboard;

/// <summary>
/// Passwords are kept only as ASP.NET Core Identity hashes (PBKDF2 with HMAC-SHA512, a random salt, 100,000 iterations),
/// made by <c>emailworker dashboard hash-password</c> and checked at login in constant time.
/// </summary>
internal static class PasswordHashes
{
    private static readonly PasswordHasher<DashboardUser> Hasher = new();

    /// <summary>Checked against when the user name is unknown, so a wrong name takes as long as a wrong password.</summary>
    private static readonly string Decoy = Hash(Guid.NewGuid().ToString("N"));

    public static string Hash(string password) => Hasher.HashPassword(new DashboardUser(), password);

    /// <summary>Identity's version-3 format: base64 of a 0x01 marker, the parameters, salt and subkey.</summary>
    public static bool IsWellFormed(string hash)
    {
        var bytes = new byte[hash.Length];
        return Convert.TryFromBase64String(hash, bytes, out var length) && length >= 13 + 16 + 32 && bytes[0] == 0x01;
    }

    public static bool Verify(DashboardUser? user, string password) =>
        Hasher.VerifyHashedPassword(user ?? new DashboardUser(), user?.PasswordHash ?? Decoy, password) != PasswordVerificationResult.Failed
        && user is not null;
}
