import Logging
import Models

/// What the sync engine logs: ids, counts, codes and HTTP statuses, never a record's content or a server message
/// (which may quote what was sent).
extension SyncEngine {
    /// Logs a failed request that the state machine is about to judge (retry, split, park or give up).
    func logFailure(_ failure: SyncStateMachine.Failure, of phase: SyncStateMachine.Phase, operations: Int?) {
        var metadata = Self.metadata(failure)
        metadata["phase"] = "\(phase)"
        if let operations { metadata["operations"] = "\(operations)" }
        logger.info("Sync request failed", metadata: metadata)
    }

    /// Logs the server's answer to a push: refused operations at notice (ids and codes), the rest at debug.
    func logPushed(_ response: PushResponse, operations: Int) {
        logger.debug(
            "Pushed a batch",
            metadata: [
                "operations": "\(operations)", "accepted": "\(response.accepted.count)",
                "refused": "\(response.rejected.count)",
            ]
        )
        guard !response.rejected.isEmpty else { return }
        logger.notice(
            "The server refused operations; they are parked",
            metadata: [
                "count": "\(response.rejected.count)",
                "refused": "\(response.rejected.map { "\($0.opId.text) \($0.code)" }.joined(separator: ", "))",
            ]
        )
    }

    /// A failure as log metadata: its kind, and the HTTP status and error code when the server answered.
    static func metadata(_ failure: SyncStateMachine.Failure) -> Logger.Metadata {
        switch failure {
        case .network: ["failure": "network"]
        case .unavailable(let status, let retryAfter):
            ["failure": "unavailable", "status": "\(status)", "retryAfter": "\(retryAfter.map { "\($0)" } ?? "none")"]
        case .denied(let status, let code, _): ["failure": "denied", "status": "\(status)", "code": "\(code)"]
        case .refused(let status, let code, _): ["failure": "refused", "status": "\(status)", "code": "\(code)"]
        case .badResponse: ["failure": "bad-response"]
        }
    }
}
