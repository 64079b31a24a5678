import Foundation

/// A free-text note attached to a sighting or an intervention: immutable once made.
public struct Note: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    /// The sighting or intervention the note is about.
    public var recordId: UUID
    public var author: String
    public var recordedAt: Date
    public var text: String

    public init(id: UUID = .timeOrdered(), recordId: UUID, author: String, recordedAt: Date, text: String) {
        self.id = id
        self.recordId = recordId
        self.author = author
        self.recordedAt = recordedAt
        self.text = text
    }
}
