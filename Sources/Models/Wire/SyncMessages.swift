import Foundation

/// `POST /v1/sync/push`: a device's unacknowledged operations, oldest first.
public struct PushRequest: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var deviceId: String
    public var operations: [LogOperation]

    public init(protocolVersion: Int = WireCoding.protocolVersion, deviceId: String, operations: [LogOperation]) {
        self.protocolVersion = protocolVersion
        self.deviceId = deviceId
        self.operations = operations
    }

    private enum CodingKeys: String, CodingKey {
        case protocolVersion, deviceId, operations
    }

    /// Decodes a push, refusing a clock stamp outside `HLCTimestamp.plausibleWallMilliseconds` with a
    /// `DecodingError` at its field whose underlying error is `ClockStampOutOfRange`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        protocolVersion = try container.decode(Int.self, forKey: .protocolVersion)
        deviceId = try container.decode(String.self, forKey: .deviceId)
        operations = try container.decode([LogOperation].self, forKey: .operations)
        if let index = operations.firstIndex(where: { !$0.hlc.isPlausible }) {
            throw Self.stampOutOfRange(at: index, codingPath: decoder.codingPath)
        }
    }

    /// The error for the implausible stamp of the operation at `index`.
    static func stampOutOfRange(at index: Int, codingPath: [any CodingKey] = []) -> DecodingError {
        .dataCorrupted(
            .init(
                codingPath: codingPath + [CodingKeys.operations, WireIndexKey(index), WireIndexKey("hlc")],
                debugDescription: "A clock stamp outside the years 2020 to 2200.",
                underlyingError: ClockStampOutOfRange()
            )
        )
    }
}

/// A coding key for an error's path: an array index or a field name.
struct WireIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    init(_ name: String) {
        self.stringValue = name
        self.intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

/// The answer to a push, sent only after the accepted operations are durably stored.
public struct PushResponse: Codable, Sendable, Hashable {
    /// Operations now stored (including ones stored by an earlier push of the same operation).
    public var accepted: [UUID]
    /// Operations refused, each with the reason; they were not stored.
    public var rejected: [RejectedOperation]
    /// The server's clock after the push, for the device's clock to observe.
    public var serverClock: HLCTimestamp
    /// The server's wall clock when it answered: the time a device anchors its own to (`ClockAnchor`). Absent
    /// from older servers' answers.
    public var serverTime: Date?
    /// The identity of the server's history (`historyEpoch` of a pull page). Absent from older servers' answers.
    public var historyEpoch: String?

    public init(
        accepted: [UUID],
        rejected: [RejectedOperation],
        serverClock: HLCTimestamp,
        serverTime: Date? = nil,
        historyEpoch: String? = nil
    ) {
        self.accepted = accepted
        self.rejected = rejected
        self.serverClock = serverClock
        self.serverTime = serverTime
        self.historyEpoch = historyEpoch
    }
}

/// An operation the server refused, and why.
public struct RejectedOperation: Codable, Sendable, Hashable {
    public var opId: UUID
    public var code: String
    public var message: String

    public init(opId: UUID, code: String, message: String) {
        self.opId = opId
        self.code = code
        self.message = message
    }
}

/// An operation with its position in the central store's total order.
public struct SequencedOperation: Codable, Sendable, Hashable {
    /// The position: strictly increasing in commit order, never reused.
    public var seq: Int64
    public var operation: LogOperation
    /// The operation's JSON text as the server sent it, when read from a pull page: the server's stored copy,
    /// which a device keeps as it is instead of encoding the operation again. Not part of equality.
    public var encoded: String?

    public init(seq: Int64, operation: LogOperation, encoded: String? = nil) {
        self.seq = seq
        self.operation = operation
        self.encoded = encoded
    }

    private enum CodingKeys: String, CodingKey {
        case seq, operation
    }

    public static func == (lhs: SequencedOperation, rhs: SequencedOperation) -> Bool {
        lhs.seq == rhs.seq && lhs.operation == rhs.operation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seq)
        hasher.combine(operation)
    }
}

/// `GET /v1/sync/pull?after=CURSOR&limit=N`: one page of operations after the cursor.
public struct PullResponse: Codable, Sendable, Hashable {
    public var operations: [SequencedOperation]
    /// The cursor to ask from next: the last operation's position, or the request's cursor if none.
    public var cursor: Int64
    /// Whether more operations wait after this page.
    public var hasMore: Bool
    public var serverClock: HLCTimestamp
    /// The server's wall clock when it answered (see `PushResponse.serverTime`).
    public var serverTime: Date?
    /// Records that left the caller's scope after this page's operations (an amendment moved them to another
    /// venue): the device removes them and what hangs from them. Absent from the JSON when empty.
    public var withdrawn: [UUID]
    /// The devices enrolled for the caller's user after the caller's own device, newest first (at most
    /// `EnrolmentApprovalProtocol.maxNotices`). Absent from the JSON when empty, and from older servers' answers.
    public var enrolments: [EnrolmentNotice]
    /// The identity of the server's history: it changes when the server is restored from a backup, which forgets
    /// what it acknowledged since. A device that sees it change offers everything it holds again and pulls from
    /// the start (`LocalReplica.adoptHistoryEpoch`). Absent from older servers' answers.
    public var historyEpoch: String?

    public init(
        operations: [SequencedOperation],
        cursor: Int64,
        hasMore: Bool,
        serverClock: HLCTimestamp,
        serverTime: Date? = nil,
        withdrawn: [UUID] = [],
        enrolments: [EnrolmentNotice] = [],
        historyEpoch: String? = nil
    ) {
        self.operations = operations
        self.cursor = cursor
        self.hasMore = hasMore
        self.serverClock = serverClock
        self.serverTime = serverTime
        self.withdrawn = withdrawn
        self.enrolments = enrolments
        self.historyEpoch = historyEpoch
    }

    private enum CodingKeys: String, CodingKey {
        case operations, cursor, hasMore, serverClock, serverTime, withdrawn, enrolments, historyEpoch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        operations = try container.decode([SequencedOperation].self, forKey: .operations)
        cursor = try container.decode(Int64.self, forKey: .cursor)
        hasMore = try container.decode(Bool.self, forKey: .hasMore)
        serverClock = try container.decode(HLCTimestamp.self, forKey: .serverClock)
        serverTime = try container.decodeIfPresent(Date.self, forKey: .serverTime)
        withdrawn = try container.decodeIfPresent([UUID].self, forKey: .withdrawn) ?? []
        enrolments = try container.decodeIfPresent([EnrolmentNotice].self, forKey: .enrolments) ?? []
        historyEpoch = try container.decodeIfPresent(String.self, forKey: .historyEpoch)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(operations, forKey: .operations)
        try container.encode(cursor, forKey: .cursor)
        try container.encode(hasMore, forKey: .hasMore)
        try container.encode(serverClock, forKey: .serverClock)
        try container.encodeIfPresent(serverTime, forKey: .serverTime)
        if !withdrawn.isEmpty { try container.encode(withdrawn, forKey: .withdrawn) }
        if !enrolments.isEmpty { try container.encode(enrolments, forKey: .enrolments) }
        try container.encodeIfPresent(historyEpoch, forKey: .historyEpoch)
    }
}

/// `GET /v1/venues`: the reference list of venues.
public struct VenueList: Codable, Sendable, Hashable {
    public var venues: [Venue]

    public init(venues: [Venue]) {
        self.venues = venues
    }
}

/// `GET /v1/health`.
public struct HealthResponse: Codable, Sendable, Hashable {
    public var status: String
    public var protocolVersion: Int

    public init(status: String = "ok", protocolVersion: Int = WireCoding.protocolVersion) {
        self.status = status
        self.protocolVersion = protocolVersion
    }
}

/// The body of every 4xx and 5xx answer: a stable machine code and a message for a person.
public struct ErrorBody: Codable, Sendable, Hashable, Error {
    public var code: String
    public var message: String
    /// With `unknown-value`: every value the field takes.
    public var allowed: [String]?

    public init(code: String, message: String, allowed: [String]? = nil) {
        self.code = code
        self.message = message
        self.allowed = allowed
    }
}

/// Limits that both sides of the protocol keep.
public enum ProtocolLimits {
    /// The most operations one push may carry.
    public static let maxOperationsPerPush = 5000
    /// The most operations one pull page may hold.
    public static let maxOperationsPerPull = 5000
    /// The most bytes of operation JSON in one pull page (a single larger operation still comes alone).
    public static let maxPullPageBytes = 2 * 1024 * 1024
    /// How deeply a request body may nest arrays and objects (an operation needs 5).
    public static let maxJSONDepth = 32
    /// The largest request body the server reads, in bytes.
    public static let maxRequestBodyBytes = 4 * 1024 * 1024
}

/// `GET /v1/records`: merged records, oldest event first.
public struct RecordList: Codable, Sendable, Hashable {
    public var records: [RecordState]
    /// What each field of the records rests on — fact, assessment, account or record keeping — by its path
    /// (`sighting.riskLevel`): `FieldClassification`, so a reader can tell observation from judgement.
    public var fieldBasis: [String: FieldBasis]?

    public init(records: [RecordState], fieldBasis: [String: FieldBasis]? = FieldClassification.byPath) {
        self.records = records
        self.fieldBasis = fieldBasis
    }
}
