import Foundation

/// Builds push and pull bodies from operations already encoded with `WireCoding`, so that the stored JSON
/// of an operation is sent as it is instead of being decoded and encoded again.
///
/// The result decodes exactly as `PushRequest` and `PullResponse` do.
public enum WireAssembly {
    /// The body of `POST /v1/sync/push`, in the newest protocol version (stamps as text).
    public static func pushRequest(deviceId: String, encodedOperations: [Data]) throws -> Data {
        var body = Data("{\"deviceId\":".utf8)
        body.append(try WireCoding.encode(deviceId))
        body.append(contentsOf: ",\"operations\":[".utf8)
        for (index, operation) in encodedOperations.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            WireCoding.appendQuotingStamp(operation, to: &body)
        }
        body.append(contentsOf: "],\"protocolVersion\":\(WireCoding.protocolVersion)}".utf8)
        return body
    }

    /// The body of a pull page, with clock stamps in the form of the caller's protocol version.
    public static func pullResponse(
        clockStamps: ClockStampForm = .number,
        operations: [(seq: Int64, encodedOperation: Data)],
        cursor: Int64,
        hasMore: Bool,
        withdrawn: [UUID] = [],
        serverClock: HLCTimestamp,
        serverTime: Date? = nil,
        enrolments: [EnrolmentNotice] = [],
        historyEpoch: String? = nil
    ) -> Data {
        var body = Data("{\"cursor\":\(cursor),".utf8)
        // Strings, a date and an enumeration: their encoding cannot fail.
        if !enrolments.isEmpty, let encoded = try? WireCoding.encode(enrolments) {
            body.append(contentsOf: "\"enrolments\":".utf8)
            body.append(encoded)
            body.append(UInt8(ascii: ","))
        }
        body.append(contentsOf: "\"hasMore\":\(hasMore),".utf8)
        if let historyEpoch, let encoded = try? WireCoding.encode(historyEpoch) {
            body.append(contentsOf: "\"historyEpoch\":".utf8)
            body.append(encoded)
            body.append(UInt8(ascii: ","))
        }
        body.append(contentsOf: "\"operations\":[".utf8)
        for (index, operation) in operations.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: "{\"operation\":".utf8)
            if clockStamps == .text {
                WireCoding.appendQuotingStamp(operation.encodedOperation, to: &body)
            } else {
                body.append(operation.encodedOperation)
            }
            body.append(contentsOf: ",\"seq\":\(operation.seq)}".utf8)
        }
        let clock = clockStamps == .text ? "\"\(serverClock.rawValue)\"" : "\(serverClock.rawValue)"
        body.append(contentsOf: "],\"serverClock\":\(clock)".utf8)
        if let serverTime { body.append(contentsOf: ",\"serverTime\":\"\(WireCoding.formatDate(serverTime))\"".utf8) }
        if !withdrawn.isEmpty {
            body.append(contentsOf: ",\"withdrawn\":[".utf8)
            body.append(contentsOf: withdrawn.map { "\"\($0.text)\"" }.joined(separator: ",").utf8)
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "}"))
        return body
    }
}
