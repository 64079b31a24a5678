import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

/// A redaction removes a record's content from every replica, down to the bytes of the database files (on a
/// device, where every byte of content is encrypted, down to what its key opens).
@Suite("Redaction")
struct RedactionTests {
    /// Words that appear nowhere else, so finding them in a file's bytes means the content is still there.
    let narrativeMarker = "Quokka-Lantern-4471 narrative"
    let amendmentMarker = "Marmot-Harbour-9082 amendment"
    let lateMarker = "Ibis-Quarry-5530 late amendment"

    @Test("the redacted content is absent from every database file, the tombstone everywhere, late amendments too")
    func contentGoneEverywhere() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let centralDirectory = workspace.appendingPathComponent("central")
        let store = try SQLiteCentralStore(directory: centralDirectory)
        let markers = [narrativeMarker, amendmentMarker, lateMarker]
        let officerToken = try await store.provisionDevice(
            "dev-officer",
            for: UserAccount(id: "PC-4127", role: .officer)
        )
        let supervisorToken = try await store.provisionDevice(
            "dev-supervisor",
            for: UserAccount(id: "PS-0311", role: .supervisor)
        )

        let files: [String] = try await CentralServer.withRunningServer(store: store) { serverURL in
            let officer = try LocalReplica.create(
                in: workspace.appendingPathComponent("officer"),
                identity: DeviceIdentity(
                    deviceId: "dev-officer",
                    userId: "PC-4127",
                    role: .officer,
                    venueId: nil,
                    serverURL: serverURL
                ),
                key: testDataKey
            )
            let supervisor = try LocalReplica.create(
                in: workspace.appendingPathComponent("supervisor"),
                identity: DeviceIdentity(
                    deviceId: "dev-supervisor",
                    userId: "PS-0311",
                    role: .supervisor,
                    venueId: nil,
                    serverURL: serverURL
                ),
                key: testDataKey
            )
            func sync(_ replica: LocalReplica) async throws {
                let token = replica === officer ? officerToken : supervisorToken
                try await SyncEngine(
                    replica: replica,
                    transport: HTTPTransport(serverURL: serverURL, token: token)
                )
                .sync()
            }
            let now = Date().truncatedToMilliseconds
            let sighting = Sighting(
                occurredAt: now,
                recordedAt: now,
                reporter: "PC-4127",
                location: Location(venueId: "venue-bold-st-05", place: "Bold Street"),
                behaviours: [.following],
                riskLevel: .medium,
                narrative: narrativeMarker
            )
            try officer.append(.createSighting(sighting), recordId: sighting.id)
            try officer.append(
                .amend(Amendment(field: .narrative, value: amendmentMarker, reason: "Fuller account")),
                recordId: sighting.id
            )
            try await sync(officer)
            try await sync(supervisor)
            let paths = [officer.path, supervisor.path, centralDirectory.appendingPathComponent("central.sqlite").path]
            // The check can fail: before the redaction, the content is in the central file and in what each
            // device's key opens.
            #expect(try fileBytes(paths[2], contain: narrativeMarker))
            for replica in [officer, supervisor] {
                #expect(try decryptedContent(of: replica).range(of: Data(narrativeMarker.utf8)) != nil)
            }

            // The officer, offline, amends again before hearing of the redaction.
            try officer.append(
                .amend(Amendment(field: .narrative, value: lateMarker, reason: "Later detail")),
                recordId: sighting.id
            )
            try supervisor.append(
                .redact(Redaction(reason: .recordedInError, explanation: "Recorded against the wrong incident")),
                recordId: sighting.id
            )
            #expect(try supervisor.record(id: sighting.id)?.redaction != nil)
            try await sync(supervisor)
            try await sync(officer)
            try await sync(supervisor)

            let central = try #require(try await store.record(id: sighting.id))
            #expect(central.redaction?.redaction.reason == .recordedInError)
            #expect(central.redaction?.stamp.author == "PS-0311")
            #expect(central.amendments.isEmpty)
            for replica in [officer, supervisor] {
                #expect(try replica.record(id: sighting.id) == central)
                #expect(try replica.status().pending == 0)
                #expect(throws: ReplicaError.invalid(.recordRedacted)) {
                    try replica.append(
                        .amend(Amendment(field: .narrative, value: "again", reason: "x")),
                        recordId: sighting.id
                    )
                }
                for marker in markers {
                    #expect(try decryptedContent(of: replica).range(of: Data(marker.utf8)) == nil)
                }
            }
            // A second create with the same id never brings the record back.
            var revived = sighting
            revived.narrative = "revived"
            let answer = try await store.push(
                [
                    LogOperation(
                        deviceId: "dev-officer",
                        author: "PC-4127",
                        hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: 0),
                        recordId: sighting.id,
                        payload: .createSighting(revived)
                    )
                ],
                by: Caller(userId: "PC-4127", deviceId: "dev-officer", role: .officer),
                now: Date()
            )
            #expect(answer.rejected.map(\.code) == ["record-exists"])
            return paths
        }

        for path in files {
            try compact(path)
            for marker in markers {
                #expect(try !fileBytes(path, contain: marker), "\(marker) is still in \(path)")
            }
        }
    }

    /// Everything a device's key opens: every stored operation and every merged record, as JSON.
    private func decryptedContent(of replica: LocalReplica) throws -> Data {
        var content = Data()
        for operation in try replica.allOperations() { content.append(WireCoding.encodeOperation(operation)) }
        content.append(try WireCoding.makeEncoder().encode(try replica.records()))
        return content
    }

    /// Folds the write-ahead log into the file and rebuilds it, as an inspector of a seized device would see it.
    private func compact(_ path: String) throws {
        let database = try DatabaseQueue(path: path)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// Whether the database file or its write-ahead log holds these bytes.
    private func fileBytes(_ path: String, contain text: String) throws -> Bool {
        let needle = Data(text.utf8)
        return try [path, path + "-wal"].contains { file in
            guard FileManager.default.fileExists(atPath: file) else { return false }
            return try Data(contentsOf: URL(fileURLWithPath: file)).range(of: needle) != nil
        }
    }
}
