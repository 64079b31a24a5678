import Synchronization

/// What a transport sent and received, counted as the bytes of the bodies on the wire (compressed when they
/// were): for a benchmark or a test to see what compression saves. Safe to share between tasks.
public final class TrafficMeter: Sendable {
    /// The counts so far.
    public struct Counts: Sendable, Equatable {
        /// Bytes of request bodies sent, and how many of those requests were gzip.
        public var sentBytes = 0
        public var sentGzip = 0
        /// Bytes of answer bodies received, and how many of those answers were gzip.
        public var receivedBytes = 0
        public var receivedGzip = 0
        /// Requests made.
        public var requests = 0
    }

    private let state = Mutex(Counts())

    public init() {}

    /// The counts so far.
    public var counts: Counts { state.withLock { $0 } }

    func record(sent: Int, sentGzip: Bool, received: Int, receivedGzip: Bool) {
        state.withLock { counts in
            counts.requests += 1
            counts.sentBytes += sent
            counts.sentGzip += sentGzip ? 1 : 0
            counts.receivedBytes += received
            counts.receivedGzip += receivedGzip ? 1 : 0
        }
    }
}
