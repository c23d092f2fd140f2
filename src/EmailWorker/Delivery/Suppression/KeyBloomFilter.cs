namespace EmailWorker.Delivery.Suppression;

/// <summary>
/// A Bloom filter of the list's keys: "not added" is certain, "maybe added" is wrong about 1 % of the time at its
/// capacity (10 bits and 7 hashes a key: 1.2 MiB for a million keys, where a set of the keys would take ~100 MiB). Keys
/// only go in; one added past the capacity still counts, at a higher rate of wrong "maybe"s, until a larger one replaces
/// it. Safe for readers on any thread while one writer adds at a time.
/// </summary>
internal sealed class KeyBloomFilter
{
    private const int BitsPerKey = 10;
    private const int Hashes = 7;
    private readonly ulong[] _words;
    private readonly ulong _bits;
    private int _count;

    public KeyBloomFilter(int capacity)
    {
        Capacity = Math.Max(capacity, 1024);
        _bits = (ulong)Capacity * BitsPerKey;
        _words = new ulong[(_bits + 63) / 64];
    }

    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    public void Add(string key)
    {
        var (h1, h2) = Hash(key);
        for (var i = 0UL; i < Hashes; i++)
        {
            var bit = (h1 + i * h2) % _bits;
            Interlocked.Or(ref _words[bit >> 6], 1UL << (int)(bit & 63));
        }
        Interlocked.Increment(ref _count);
    }

    public bool MayContain(string key)
    {
        var (h1, h2) = Hash(key);
        for (var i = 0UL; i < Hashes; i++)
        {
            var bit = (h1 + i * h2) % _bits;
            if ((Volatile.Read(ref _words[bit >> 6]) & (1UL << (int)(bit & 63))) == 0)
                return false;
        }
        return true;
    }

    /// <summary>Two hashes of the key's characters (FNV-1a, each mixed by SplitMix64's finaliser) for double hashing.</summary>
    private static (ulong, ulong) Hash(string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
            hash = (hash ^ c) * 1099511628211UL;
        return (Mix(hash), Mix(hash ^ 0x9E3779B97F4A7C15UL) | 1);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
