/// The decisions of a sync, as a small pure state machine: what to do next after each outcome.
///
/// It holds no I/O and no clock, so every path — retries, backoff, parking, giving up — is tested
/// exhaustively apart from the network (`SyncEngine` is the thin shell that performs its actions).
///
/// A sync pushes until the outbox is empty, then pulls until the server has nothing more. Network errors,
/// 5xx and 429 are retried with exponential backoff and jitter (honouring `Retry-After`); after
/// `RetryPolicy.maxAttempts` failures in a row it fails. Any other 4xx answer to a push of several operations
/// sends them again in halves, so that one bad operation never holds back the others; to a push of one it
/// parks that operation with the server's reason and goes on; to a pull it fails (there is nothing to park).
public struct SyncStateMachine: Sendable, Hashable {
    /// Where the sync is.
    public enum State: Sendable, Hashable {
        case idle
        case pushing(attempt: Int)
        case pulling(attempt: Int)
        case backingOff(phase: Phase, attempt: Int)
        case failed(Failure)
        case finished
    }

    /// The two halves of a sync.
    public enum Phase: Sendable, Hashable {
        case push, pull
    }

    /// What happened, reported by the engine.
    public enum Event: Sendable, Hashable {
        case start
        /// A push batch was answered; `outboxEmpty` when nothing more waits.
        case pushed(outboxEmpty: Bool)
        /// A pull page was stored; `hasMore` when the server has more.
        case pulled(hasMore: Bool)
        /// The request failed.
        case failed(Failure)
        /// The batch refused was parked, or split to be sent again in halves.
        case parked
        /// The backoff delay is over.
        case backoffElapsed
        /// The server's history changed (it was restored from a backup): everything is pushed again, then pulled.
        case historyChanged
    }

    /// Why a request failed, as far as the decision is concerned.
    public enum Failure: Sendable, Hashable {
        /// No answer: refused, reset, timed out, truncated.
        case network
        /// 5xx or 429: try again later, after `retryAfter` seconds if the server said.
        case unavailable(status: Int, retryAfter: Double?)
        /// 401 or 403: this device's access is refused (revoked, expired, not allowed). Nothing is parked:
        /// everything stays queued for when access is restored.
        case denied(status: Int, code: String, message: String)
        /// Any other 4xx: the request itself is refused; retrying would not help.
        case refused(status: Int, code: String, message: String)
        /// An answer that could not be understood.
        case badResponse
    }

    /// What the engine must do next.
    public enum Action: Sendable, Hashable {
        case push
        case pull
        /// Wait this many seconds, then report `.backoffElapsed`.
        case wait(seconds: Double)
        /// Park the batch just sent with the server's reason, then report `.parked`.
        case parkBatch(code: String, message: String)
        /// Send the batch just refused again in batches of at most `size` operations, then report `.parked`.
        case splitBatch(size: Int)
        case finish
        case fail(Failure)
    }

    public private(set) var state: State = .idle
    public let policy: RetryPolicy

    public init(policy: RetryPolicy = RetryPolicy()) {
        self.policy = policy
    }

    /// Moves on after an event.
    ///
    /// - Parameters:
    ///   - jitter: a random number in 0..<1 from the caller, spread over the backoff delay.
    ///   - batchSize: how many operations the push that failed carried.
    public mutating func handle(_ event: Event, jitter: Double = 0.5, batchSize: Int = 1) -> Action {
        switch (state, event) {
        case (.idle, .start):
            state = .pushing(attempt: 1)
            return .push
        case (.pushing, .historyChanged), (.pulling, .historyChanged):
            state = .pushing(attempt: 1)
            return .push
        case (.pushing, .pushed(let outboxEmpty)):
            state = outboxEmpty ? .pulling(attempt: 1) : .pushing(attempt: 1)
            return outboxEmpty ? .pull : .push
        case (.pushing, .failed(.denied(let status, let code, let message))),
            (.pulling, .failed(.denied(let status, let code, let message))):
            let failure = Failure.denied(status: status, code: code, message: message)
            state = .failed(failure)
            return .fail(failure)
        case (.pushing, .failed(.refused(_, let code, let message))):
            return batchSize > 1 ? .splitBatch(size: batchSize / 2) : .parkBatch(code: code, message: message)
        case (.pushing, .parked):
            state = .pushing(attempt: 1)
            return .push
        case (.pushing(let attempt), .failed(let failure)):
            return retry(.push, attempt: attempt, failure: failure, jitter: jitter)
        case (.pulling, .pulled(let hasMore)):
            state = hasMore ? .pulling(attempt: 1) : .finished
            return hasMore ? .pull : .finish
        case (.pulling(let attempt), .failed(let failure)):
            return retry(.pull, attempt: attempt, failure: failure, jitter: jitter)
        case (.backingOff(let phase, let attempt), .backoffElapsed):
            state = phase == .push ? .pushing(attempt: attempt) : .pulling(attempt: attempt)
            return phase == .push ? .push : .pull
        default:
            // An event that cannot happen in this state is a fault of the engine: stop rather than guess.
            state = .failed(.badResponse)
            return .fail(.badResponse)
        }
    }

    private mutating func retry(_ phase: Phase, attempt: Int, failure: Failure, jitter: Double) -> Action {
        let retryAfter: Double?
        switch failure {
        case .network, .badResponse: retryAfter = nil
        case .unavailable(_, let after): retryAfter = after
        case .refused, .denied:
            state = .failed(failure)
            return .fail(failure)
        }
        guard attempt < policy.maxAttempts else {
            state = .failed(failure)
            return .fail(failure)
        }
        state = .backingOff(phase: phase, attempt: attempt + 1)
        return .wait(seconds: policy.delay(afterAttempt: attempt, retryAfter: retryAfter, jitter: jitter))
    }
}

/// How patiently a sync retries.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts of one request before the sync fails.
    public var maxAttempts: Int
    /// The delay after the first failure, in seconds; it doubles with each failure after.
    public var baseDelay: Double
    /// The longest delay, in seconds, whatever the attempt or the server's `Retry-After`.
    public var maxDelay: Double

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.25, maxDelay: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before the next attempt: the server's `Retry-After` if given, else exponential backoff with
    /// "equal jitter" (half fixed, half random), never above `maxDelay`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, jitter: Double) -> Double {
        if let retryAfter, !retryAfter.isNaN { return min(max(retryAfter, 0), maxDelay) }
        let exponential = min(baseDelay * Double(1 << min(attempt - 1, 30)), maxDelay)
        return exponential / 2 + exponential / 2 * min(max(jitter, 0), 1)
    }
}
