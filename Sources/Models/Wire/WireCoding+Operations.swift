import Foundation

extension WireCoding {
    /// Encodes an operation: the same bytes as `encode(_:)`, many times faster (see `OperationCodec`).
    public static func encodeOperation(_ operation: LogOperation) -> Data {
        OperationCodec.encode(operation)
    }

    /// Decodes an operation: the same result as `decode(LogOperation.self, from:)`, many times faster.
    ///
    /// The fast path alone decides what is accepted; a differential test holds it to `decode` (strict JSON, then
    /// `JSONDecoder`) on mutated and generated documents.
    /// - Throws: the `DecodingError` that `JSONDecoder` gives for bad input, so messages stay precise.
    public static func decodeOperation(_ data: Data) throws -> LogOperation {
        do {
            return try OperationCodec.decode(data)
        } catch let failure as JSONReader.Failure {
            throw explanation(of: failure, decoding: LogOperation.self, from: data)
        }
    }

    /// Why the fast path refused a document, in `JSONDecoder`'s words (which name the field); never a value:
    /// should `JSONDecoder` accept what the fast path refused, the document is still refused.
    static func explanation<Value: Decodable>(
        of failure: JSONReader.Failure,
        decoding type: Value.Type,
        from data: Data
    ) -> any Error {
        do {
            _ = try decode(type, from: data)
        } catch {
            return error
        }
        return DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: failure.reason))
    }

    /// Decodes the body of a push: the same result as `decode(PushRequest.self, from:)`, faster.
    public static func decodePushRequest(_ data: Data) throws -> PushRequest {
        do {
            return try data.withUnsafeBytes { buffer in
                var reader = JSONReader(buffer)
                var deviceId: String?
                var version: Int64?
                var operations: [LogOperation]?
                try reader.readObject { r, key in
                    switch key {
                    case "deviceId": deviceId = try r.readString()
                    case "protocolVersion": version = try r.readInt64()
                    case "operations":
                        var list: [LogOperation] = []
                        try r.readArray { r in
                            let operation = try OperationCodec.readOperation(&r)
                            // `PushRequest.init(from:)` names the field.
                            guard operation.hlc.isPlausible else {
                                throw JSONReader.Failure(reason: "clock stamp out of range")
                            }
                            list.append(operation)
                        }
                        operations = list
                    default: try r.skipValue()
                    }
                }
                guard reader.isAtEnd, let version = Int(exactly: try required(version, "protocolVersion")) else {
                    throw JSONReader.Failure(reason: "bad envelope")
                }
                return PushRequest(
                    protocolVersion: version,
                    deviceId: try required(deviceId, "deviceId"),
                    operations: try required(operations, "operations")
                )
            }
        } catch let failure as JSONReader.Failure {
            throw explanation(of: failure, decoding: PushRequest.self, from: data)
        }
    }

    /// Decodes a pull page: the same result as `decode(PullResponse.self, from:)`, faster.
    public static func decodePullResponse(_ data: Data) throws -> PullResponse {
        do {
            return try data.withUnsafeBytes { buffer in
                var reader = JSONReader(buffer)
                var cursor: Int64?
                var hasMore: Bool?
                var clock: Int64?
                var serverTime: Date?
                var operations: [SequencedOperation]?
                var withdrawn: [UUID] = []
                var enrolments: [EnrolmentNotice] = []
                var historyEpoch: String?
                try reader.readObject { r, key in
                    switch key {
                    case "cursor": cursor = try r.readInt64()
                    case "hasMore": hasMore = try r.readBool()
                    case "historyEpoch": historyEpoch = try r.readString()
                    case "serverClock": clock = try r.readClockStamp()
                    case "serverTime":
                        guard let time = parseDate(try r.readString()) else {
                            throw JSONReader.Failure(reason: "bad server time")
                        }
                        serverTime = time
                    case "operations":
                        var list: [SequencedOperation] = []
                        try r.readArray { r in
                            var seq: Int64?
                            var operation: LogOperation?
                            var encoded: String?
                            try r.readObject { r, key in
                                switch key {
                                case "seq": seq = try r.readInt64()
                                case "operation":
                                    r.skipWhitespace()
                                    let start = r.index
                                    operation = try OperationCodec.readOperation(&r)
                                    // Kept as stored: a stamp sent as text goes back to a number (else the
                                    // device encodes the operation itself).
                                    encoded = WireCoding.unquotingStamp(r.text(start..<r.index))
                                default: try r.skipValue()
                                }
                            }
                            list.append(
                                SequencedOperation(
                                    seq: try required(seq, "seq"),
                                    operation: try required(operation, "operation"),
                                    encoded: encoded
                                )
                            )
                        }
                        operations = list
                    case "withdrawn":
                        try r.readArray { r in
                            guard let id = UUID(uuidString: try r.readString()) else {
                                throw JSONReader.Failure(reason: "bad record id")
                            }
                            withdrawn.append(id)
                        }
                    case "enrolments":
                        // Rare and small: decoded by the ordinary decoder from the value's own text.
                        r.skipWhitespace()
                        let start = r.index
                        try r.skipValue()
                        enrolments = try decode([EnrolmentNotice].self, from: Data(r.text(start..<r.index).utf8))
                    default: try r.skipValue()
                    }
                }
                let stamp = try required(clock, "serverClock")
                guard reader.isAtEnd, stamp >= 0 else { throw JSONReader.Failure(reason: "bad envelope") }
                return PullResponse(
                    operations: try required(operations, "operations"),
                    cursor: try required(cursor, "cursor"),
                    hasMore: try required(hasMore, "hasMore"),
                    serverClock: HLCTimestamp(rawValue: stamp),
                    serverTime: serverTime,
                    withdrawn: withdrawn,
                    enrolments: enrolments,
                    historyEpoch: historyEpoch
                )
            }
        } catch let failure as JSONReader.Failure {
            throw explanation(of: failure, decoding: PullResponse.self, from: data)
        }
    }
}

extension WireCoding {
    /// The stored JSON of an operation with its content removed (see `LogOperation.withoutContent`), or nil
    /// when it has none to remove: what both stores write back once a record is redacted.
    public static func removingContent(fromEncoded body: String) throws -> String? {
        let operation = try decodeOperation(Data(body.utf8))
        let stripped = operation.withoutContent
        guard stripped != operation else { return nil }
        return String(decoding: encodeOperation(stripped), as: UTF8.self)
    }
}
