import Foundation

extension PatrolRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, record, redacted
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let redacted = try container.decodeIfPresent(RedactedRecord.self, forKey: .redacted) {
            self = .redacted(redacted)
            return
        }
        switch try container.decode(RecordType.self, forKey: .type) {
        case .sighting: self = .sighting(try container.decode(Sighting.self, forKey: .record))
        case .intervention: self = .intervention(try container.decode(Intervention.self, forKey: .record))
        case .note: self = .note(try container.decode(Note.self, forKey: .record))
        case .authorisation:
            self = .authorisation(try container.decode(DispersalAuthorisation.self, forKey: .record))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .sighting(let sighting): try container.encode(sighting, forKey: .record)
        case .intervention(let intervention): try container.encode(intervention, forKey: .record)
        case .note(let note): try container.encode(note, forKey: .record)
        case .authorisation(let authorisation): try container.encode(authorisation, forKey: .record)
        case .redacted(let record): try container.encode(record, forKey: .redacted)
        }
    }
}
