import Foundation
import Synchronization

/// A token bucket per key (a token's hash): `burst` requests at once, refilled at `perSecond`.
public final class RateLimiter: Sendable {
    public let perSecond: Double
    public let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: Date)]>([:])

    public init(perSecond: Double = 50, burst: Double = 100) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Takes one request from the key's bucket.
    /// - Returns: nil when admitted, else how many seconds until a request would be.
    func admit(key: String, now: Date) -> TimeInterval? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? (burst, now)
            bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.at) * perSecond)
            bucket.at = now
            defer {
                buckets[key] = bucket
                if buckets.count > 100_000 { buckets = buckets.filter { now.timeIntervalSince($0.value.at) < 60 } }
            }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
    }
}
