using EmailWorker.Configuration;

namespace EmailWorker.Worker;

/// <summary>
/// The one decision of which lane's waiting delivery takes the next free handling slot: <see cref="Lane.High"/> whenever
/// one waits; otherwise, while both <see cref="Lane.Normal"/> and <see cref="Lane.Bulk"/> wait, bulk takes
/// <c>Delivery:BulkShare</c> of the slots (never more, and never starved by normal); a lane alone takes every slot.
/// Pure and deterministic: a credit grows by the share on every contested pick and bulk goes when it reaches one, so with
/// 0.2 exactly every fifth contested slot is bulk's.
/// </summary>
internal sealed class LanePicker
{
    // 0.1 added ten times is 0.9999999999999999: without a tolerance a share of 0.1 would give bulk one slot in eleven.
    private const double Tolerance = 1e-9;
    private readonly double _bulkShare;
    private double _bulkCredit;

    public LanePicker(double bulkShare)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bulkShare, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bulkShare, 1);
        _bulkShare = bulkShare;
    }

    /// <summary>The lane to serve next given which lanes have a delivery waiting; null when none has.</summary>
    public Lane? Pick(bool highWaits, bool normalWaits, bool bulkWaits)
    {
        if (highWaits)
            return Lane.High;
        if (normalWaits && bulkWaits)
        {
            _bulkCredit += _bulkShare;
            if (_bulkCredit < 1 - Tolerance)
                return Lane.Normal;
            _bulkCredit -= 1;
            return Lane.Bulk;
        }
        return normalWaits ? Lane.Normal : bulkWaits ? Lane.Bulk : null;
    }
}
