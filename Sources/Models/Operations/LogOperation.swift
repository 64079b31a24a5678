import Foundation

/// One change to the patrol log, made on a device: the unit that is stored, synced and merged.
///
/// `opId` is the idempotency key: the same operation received twice is stored once. Operations are
/// ordered by `orderKey` — (hlc, deviceId, opId) — which makes merge independent of arrival order.
public struct LogOperation: Sendable, Hashable, Identifiable, Codable {
    public var opId: UUID
    /// The device that made the operation.
    public var deviceId: String
    /// The user who made it.
    public var author: String
    public var hlc: HLCTimestamp
    /// The record the operation touches (for a create, the new record's id).
    public var recordId: UUID
    public var payload: OperationPayload

    public var id: UUID { opId }

    /// The kind of operation, from its payload.
    public var kind: OperationKind { payload.kind }

    public init(
        opId: UUID = .timeOrdered(),
        deviceId: String,
        author: String,
        hlc: HLCTimestamp,
        recordId: UUID,
        payload: OperationPayload
    ) {
        self.opId = opId
        self.deviceId = deviceId
        self.author = author
        self.hlc = hlc
        self.recordId = recordId
        self.payload = payload
    }

    /// The total order of operations used by merge: by clock, then device, then id.
    public var orderKey: OrderKey { OrderKey(hlc: hlc, deviceId: deviceId, opId: opId) }

    private enum CodingKeys: String, CodingKey {
        case opId, deviceId, author, hlc, recordId, kind, payload, redacted
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        opId = try container.decode(UUID.self, forKey: .opId)
        deviceId = try container.decode(String.self, forKey: .deviceId)
        author = try container.decode(String.self, forKey: .author)
        hlc = try container.decode(HLCTimestamp.self, forKey: .hlc)
        recordId = try container.decode(UUID.self, forKey: .recordId)
        let kind = try container.decode(OperationKind.self, forKey: .kind)
        if try container.decodeIfPresent(Bool.self, forKey: .redacted) == true {
            guard kind.carriesContent else {
                throw DecodingError.dataCorruptedError(
                    forKey: .redacted,
                    in: container,
                    debugDescription: "Only creates and amendments lose their content to a redaction."
                )
            }
            payload = .redacted(kind)
        } else {
            payload = try OperationPayload(kind: kind, from: container, forKey: .payload)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(opId, forKey: .opId)
        try container.encode(deviceId, forKey: .deviceId)
        try container.encode(author, forKey: .author)
        try container.encode(hlc, forKey: .hlc)
        try container.encode(recordId, forKey: .recordId)
        try container.encode(kind, forKey: .kind)
        switch payload {
        case .createSighting(let sighting): try container.encode(sighting, forKey: .payload)
        case .createIntervention(let intervention): try container.encode(intervention, forKey: .payload)
        case .createNote(let note): try container.encode(note, forKey: .payload)
        case .createAuthorisation(let authorisation): try container.encode(authorisation, forKey: .payload)
        case .amend(let amendment): try container.encode(amendment, forKey: .payload)
        case .setRegister(let write): try container.encode(write, forKey: .payload)
        case .redact(let redaction): try container.encode(redaction, forKey: .payload)
        case .redacted: try container.encode(true, forKey: .redacted)
        }
    }

    /// This operation with its content removed, as every replica keeps it once its record is redacted;
    /// operations without content (register writes, the redaction itself) are returned as they are.
    public var withoutContent: LogOperation {
        guard payload.kind.carriesContent else { return self }
        var stripped = self
        stripped.payload = .redacted(payload.kind)
        return stripped
    }
}

/// What an operation does.
public enum OperationPayload: Sendable, Hashable {
    case createSighting(Sighting)
    case createIntervention(Intervention)
    case createNote(Note)
    case createAuthorisation(DispersalAuthorisation)
    case amend(Amendment)
    case setRegister(RegisterWrite)
    case redact(Redaction)
    /// An operation of this kind whose content was removed by a redaction of its record.
    case redacted(OperationKind)

    public var kind: OperationKind {
        switch self {
        case .createSighting: .createSighting
        case .createIntervention: .createIntervention
        case .createNote: .createNote
        case .createAuthorisation: .createAuthorisation
        case .amend: .amend
        case .setRegister: .setRegister
        case .redact: .redact
        case .redacted(let kind): kind
        }
    }

    /// The record a create operation makes; nil for other kinds.
    public var createdRecord: PatrolRecord? {
        switch self {
        case .createSighting(let sighting): .sighting(sighting)
        case .createIntervention(let intervention): .intervention(intervention)
        case .createNote(let note): .note(note)
        case .createAuthorisation(let authorisation): .authorisation(authorisation)
        case .amend, .setRegister, .redact, .redacted: nil
        }
    }
}

extension OperationPayload {
    /// Decodes the payload of the given kind from a keyed container: the one place that maps wire kinds to
    /// payload types (operations and fixture files both use it).
    public init<Key: CodingKey>(
        kind: OperationKind,
        from container: KeyedDecodingContainer<Key>,
        forKey key: Key
    ) throws {
        switch kind {
        case .createSighting: self = .createSighting(try container.decode(Sighting.self, forKey: key))
        case .createIntervention: self = .createIntervention(try container.decode(Intervention.self, forKey: key))
        case .createNote: self = .createNote(try container.decode(Note.self, forKey: key))
        case .createAuthorisation:
            self = .createAuthorisation(try container.decode(DispersalAuthorisation.self, forKey: key))
        case .amend: self = .amend(try container.decode(Amendment.self, forKey: key))
        case .setRegister: self = .setRegister(try container.decode(RegisterWrite.self, forKey: key))
        case .redact: self = .redact(try container.decode(Redaction.self, forKey: key))
        }
    }
}

/// The kinds of operation, as stable wire names.
public enum OperationKind: String, Codable, Sendable, CaseIterable, Hashable {
    case createSighting = "create-sighting"
    case createIntervention = "create-intervention"
    case createNote = "create-note"
    case createAuthorisation = "create-authorisation"
    case amend = "amend"
    case setRegister = "set-register"
    case redact = "redact"

    /// Whether operations of this kind carry record content, which a redaction removes.
    public var carriesContent: Bool {
        switch self {
        case .createSighting, .createIntervention, .createNote, .createAuthorisation, .amend: true
        case .setRegister, .redact: false
        }
    }

    /// Whether operations of this kind create a record.
    public var isCreate: Bool {
        switch self {
        case .createSighting, .createIntervention, .createNote, .createAuthorisation: true
        case .amend, .setRegister, .redact: false
        }
    }

    /// The kind of record operations of this kind create; nil for the other kinds.
    public var createdType: RecordType? {
        switch self {
        case .createSighting: .sighting
        case .createIntervention: .intervention
        case .createNote: .note
        case .createAuthorisation: .authorisation
        case .amend, .setRegister, .redact: nil
        }
    }
}

/// The key that totally orders operations: (hlc, deviceId, opId).
public struct OrderKey: Sendable, Hashable, Comparable {
    public var hlc: HLCTimestamp
    public var deviceId: String
    public var opId: UUID

    public static func < (lhs: OrderKey, rhs: OrderKey) -> Bool {
        if lhs.hlc != rhs.hlc { return lhs.hlc < rhs.hlc }
        if lhs.deviceId != rhs.deviceId { return lhs.deviceId < rhs.deviceId }
        return lhs.opId.uuidString < rhs.opId.uuidString
    }
}
