import Foundation
import Synchronization

/// Refused credentials per client address: a token bucket of `burst` failures, refilled at `perSecond`. An
/// address whose bucket is empty is answered 429 before its credentials are even looked at, until it refills;
/// other addresses are not slowed.
public final class FailureLimiter: Sendable {
    public let perSecond: Double
    public let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: Date)]>([:])

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// How many seconds until the address may try again, or nil when it may now.
    func wait(address: String, now: Date) -> TimeInterval? {
        buckets.withLock { buckets in
            guard let bucket = buckets[address] else { return nil }
            let tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.at) * perSecond)
            return tokens >= 1 ? nil : (1 - tokens) / perSecond
        }
    }

    /// Counts one refused credential from the address.
    func charge(address: String, now: Date) {
        buckets.withLock { buckets in
            var bucket = buckets[address] ?? (burst, now)
            bucket.tokens = max(0, min(burst, bucket.tokens + now.timeIntervalSince(bucket.at) * perSecond) - 1)
            bucket.at = now
            buckets[address] = bucket
            // Addresses whose buckets have refilled are forgotten, so the table stays small.
            if buckets.count > 100_000 {
                buckets = buckets.filter {
                    min(burst, $0.value.tokens + now.timeIntervalSince($0.value.at) * perSecond) < burst
                }
            }
        }
    }
}

/// The limits on refused credentials per client address.
public struct FailureLimits: Sendable {
    /// Refused access tokens: by default 20 at once, then one every 5 seconds.
    public var authentication: FailureLimiter
    /// Refused enrolment tokens at `/v1/enrol`, more strictly: by default 5 at once, then one a minute.
    public var enrolment: FailureLimiter

    public init(
        authentication: FailureLimiter = FailureLimiter(perSecond: 0.2, burst: 20),
        enrolment: FailureLimiter = FailureLimiter(perSecond: 1.0 / 60, burst: 5)
    ) {
        self.authentication = authentication
        self.enrolment = enrolment
    }

    /// Limits that tests of authorisation use, which send many refused tokens on purpose: none in effect.
    public static let unlimited = FailureLimits(
        authentication: FailureLimiter(perSecond: 1_000_000, burst: 1_000_000),
        enrolment: FailureLimiter(perSecond: 1_000_000, burst: 1_000_000)
    )

    /// The defaults scaled to `burst` refused access tokens at once (enrolment: a quarter as many, at least one).
    public init(burst: Double) {
        self.init(
            authentication: FailureLimiter(perSecond: 0.2, burst: burst),
            enrolment: FailureLimiter(perSecond: 1.0 / 60, burst: max(1, (burst / 4).rounded(.down)))
        )
    }
}
