import Foundation
import Models

/// A sample patrol log to replay onto devices: who uses which device, and what each one records, in order.
///
/// The file format is `fixtures/patrol-log.json`: `devices` (a device id, user id, role and, for venue staff,
/// a venue) and `entries` (a device id, an operation kind, a record id and the operation's payload in its
/// wire form). The demo and the tests use it.
public struct PatrolLogFixture: Decodable, Sendable {
    public var devices: [FixtureDevice]
    public var entries: [FixtureEntry]

    /// Reads a fixture file.
    public static func load(from url: URL) throws -> PatrolLogFixture {
        try WireCoding.decode(PatrolLogFixture.self, from: try Data(contentsOf: url))
    }

    /// The entries of one device, in file order.
    public func entries(of deviceId: String) -> [FixtureEntry] {
        entries.filter { $0.device == deviceId }
    }
}

/// A device of a fixture.
public struct FixtureDevice: Codable, Sendable {
    public var deviceId: String
    public var userId: String
    public var role: Role
    public var venueId: String?

    /// The device's identity, syncing with `serverURL`.
    public func identity(serverURL: URL) -> DeviceIdentity {
        DeviceIdentity(deviceId: deviceId, userId: userId, role: role, venueId: venueId, serverURL: serverURL)
    }
}

/// One thing a fixture device records.
public struct FixtureEntry: Decodable, Sendable {
    public var device: String
    public var recordId: UUID
    public var payload: OperationPayload

    private enum CodingKeys: String, CodingKey {
        case device, kind, recordId, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(String.self, forKey: .device)
        recordId = try container.decode(UUID.self, forKey: .recordId)
        payload = try OperationPayload(
            kind: try container.decode(OperationKind.self, forKey: .kind),
            from: container,
            forKey: .payload
        )
    }

    /// Records this entry on its device's replica.
    @discardableResult
    public func record(on replica: LocalReplica) throws -> LogOperation {
        try replica.append(payload, recordId: recordId)
    }
}
