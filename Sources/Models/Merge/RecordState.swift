import Foundation

/// A record as merged from all of its operations: the original as created, the current value, and the
/// whole amendment history — the pocket-notebook view, where nothing is ever rubbed out.
public struct RecordState: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    /// The record exactly as it was first created.
    public var original: PatrolRecord
    /// The record with every winning amendment applied.
    public var current: PatrolRecord
    /// Who made the record, on which device, and when.
    public var created: OperationStamp
    /// Every amendment, in merge order, each with its standing.
    public var amendments: [AmendmentEntry]
    /// Later create operations for the same id, which never overwrite the original.
    public var refusedCreates: [OperationStamp]
    /// Review, grading, retention review and links, each last-writer-wins.
    public var registers: RecordRegisters
    /// Set once the record is redacted: `original` and `current` are then `.redacted` and the
    /// amendments are gone with the content.
    public var redaction: Tombstone?

    public var type: RecordType { original.type }

    public init(
        id: UUID,
        original: PatrolRecord,
        current: PatrolRecord,
        created: OperationStamp,
        amendments: [AmendmentEntry],
        refusedCreates: [OperationStamp],
        registers: RecordRegisters = RecordRegisters(),
        redaction: Tombstone? = nil
    ) {
        self.id = id
        self.original = original
        self.current = current
        self.created = created
        self.amendments = amendments
        self.refusedCreates = refusedCreates
        self.registers = registers
        self.redaction = redaction
    }

    private enum CodingKeys: String, CodingKey {
        case id, original, current, created, amendments, refusedCreates, registers, redaction
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        original = try container.decode(PatrolRecord.self, forKey: .original)
        current = try container.decodeIfPresent(PatrolRecord.self, forKey: .current) ?? original
        created = try container.decode(OperationStamp.self, forKey: .created)
        amendments = try container.decode([AmendmentEntry].self, forKey: .amendments)
        refusedCreates = try container.decode([OperationStamp].self, forKey: .refusedCreates)
        registers = try container.decodeIfPresent(RecordRegisters.self, forKey: .registers) ?? RecordRegisters()
        redaction = try container.decodeIfPresent(Tombstone.self, forKey: .redaction)
    }

    /// Encodes `current` only when an amendment made it differ from `original`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(original, forKey: .original)
        if current != original { try container.encode(current, forKey: .current) }
        try container.encode(created, forKey: .created)
        try container.encode(amendments, forKey: .amendments)
        try container.encode(refusedCreates, forKey: .refusedCreates)
        if !registers.isDefault { try container.encode(registers, forKey: .registers) }
        try container.encodeIfPresent(redaction, forKey: .redaction)
    }
}

/// Who made an operation, where and when.
public struct OperationStamp: Codable, Sendable, Hashable {
    public var opId: UUID
    public var deviceId: String
    public var author: String
    public var hlc: HLCTimestamp

    public init(_ operation: LogOperation) {
        opId = operation.opId
        deviceId = operation.deviceId
        author = operation.author
        hlc = operation.hlc
    }
}

/// One amendment in a record's history.
public struct AmendmentEntry: Codable, Sendable, Hashable {
    public var stamp: OperationStamp
    public var amendment: Amendment
    /// The field's value just before this amendment, in merge order.
    public var previousValue: String
    public var standing: Standing
    /// Set when the amender replaced another value than `previousValue`: concurrent amendments crossed, and
    /// this one was made without seeing the one before it in merge order. Nil when they agree, and for
    /// amendments that do not say what they replaced.
    public var crossing: Crossing?

    public init(
        stamp: OperationStamp,
        amendment: Amendment,
        previousValue: String,
        standing: Standing,
        crossing: Crossing? = nil
    ) {
        self.stamp = stamp
        self.amendment = amendment
        self.previousValue = previousValue
        self.standing = standing
        self.crossing = crossing
    }

    /// The value the amender replaced, as they saw it: the amendment's own word, or `previousValue` for an
    /// amendment made before devices recorded it.
    public var replacedValue: String { amendment.replaced ?? previousValue }

    /// An amendment made without seeing the one just before it in merge order.
    public struct Crossing: Codable, Sendable, Hashable {
        /// The amendment that set `previousValue`, which the amender had not seen; nil when `previousValue` is
        /// the record's original value (the change the amender saw did not apply here).
        public var unseen: OperationStamp?

        public init(unseen: OperationStamp?) {
            self.unseen = unseen
        }
    }

    /// Whether an amendment holds the current value, was overtaken, or could not apply.
    public enum Standing: Codable, Sendable, Hashable {
        /// This amendment's value is the field's current value.
        case current
        /// A later amendment of the same field won.
        case superseded
        /// The amendment could not apply; the reason says why.
        case refused(code: String, message: String)
    }
}

extension RecordState {
    /// The record this one hangs from: a note's record, an intervention's sighting; nil for a sighting.
    public var parentId: UUID? {
        switch current {
        case .note(let note): note.recordId
        case .intervention(let intervention): intervention.sightingId
        case .sighting, .authorisation, .redacted: nil
        }
    }
}

extension RecordState {
    /// Whether this state is exactly what its create operation folds to on its own. Stores then keep only
    /// the operation, not a second copy of the record.
    public var isPlainCreate: Bool {
        amendments.isEmpty && refusedCreates.isEmpty && registers.isDefault && redaction == nil
    }

    /// Rebuilds a record as a store keeps it: the merged state's JSON when one was kept, otherwise the
    /// fold of its create operation's JSON.
    public static func fromStorage(state: String?, createOperation: String?, decoder: JSONDecoder) throws -> RecordState
    {
        if let state { return try decoder.decode(RecordState.self, from: Data(state.utf8)) }
        guard let createOperation,
            let folded = RecordFold.fold([try WireCoding.decodeOperation(Data(createOperation.utf8))])
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "A stored record has neither a state nor a create operation.")
            )
        }
        return folded
    }
}
