import Central
import Foundation
import Models
import Sync
import Testing

/// A redaction removes a record's content from every replica, down to the bytes of the database files: every
/// byte of every file of the central data directory and of the devices' (database, -wal and -shm files), while
/// the server runs, after it is killed with SIGKILL, and after it restarts — with nothing compacted by the test;
/// and on a device, whose files hold content only sealed, from everything its key opens.
@Suite("Redaction")
struct RedactionTests {
    /// Words that appear nowhere else, so finding them in a file's bytes means the content is still there.
    let narrativeMarker = "Quokka-Lantern-4471 narrative"
    let amendmentMarker = "Marmot-Harbour-9082 amendment"
    let lateMarker = "Ibis-Quarry-5530 late amendment"
    /// Said only as the value an amendment replaced.
    let replacedMarker = "Gannet-Meadow-2718 replaced value"

    @Test("the redacted content is absent from every file, the tombstone everywhere, late amendments too")
    func contentGoneEverywhere() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let centralDirectory = workspace.appendingPathComponent("central")
        let store = try SQLiteCentralStore(directory: centralDirectory)
        let markers = [narrativeMarker, amendmentMarker, lateMarker, replacedMarker]
        let officerToken = try await store.provisionDevice(
            "dev-officer",
            for: UserAccount(id: "PC-4127", role: .officer)
        )
        let supervisorToken = try await store.provisionDevice(
            "dev-supervisor",
            for: UserAccount(id: "PS-0311", role: .supervisor)
        )

        let directories: [URL] = try await CentralServer.withRunningServer(store: store) { serverURL in
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
            // A supervisor's desk corrects the narrative as it saw it: a narrative said nowhere but there.
            let desk = Caller(userId: "PS-0311", deviceId: "dev-supervisor-desk", role: .supervisor)
            let quoted = try await store.push(
                [
                    LogOperation(
                        deviceId: desk.deviceId,
                        author: desk.userId,
                        hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: 0),
                        recordId: sighting.id,
                        payload: .amend(
                            Amendment(field: .narrative, value: "Shorter", reason: "Tidy", replaced: replacedMarker)
                        )
                    )
                ],
                by: desk,
                now: Date()
            )
            #expect(quoted.rejected.isEmpty, "\(quoted.rejected)")
            try await sync(officer)
            try await sync(supervisor)
            let directories = [
                centralDirectory, workspace.appendingPathComponent("officer"),
                workspace.appendingPathComponent("supervisor"),
            ]
            // The check can fail: before the redaction, the content is in the central data directory, and in what
            // each device's key opens (a device's files hold it sealed).
            for marker in [narrativeMarker, replacedMarker] {
                #expect(try !RedactionScan.files(in: centralDirectory, holding: marker).isEmpty)
                for replica in [officer, supervisor] {
                    #expect(try decryptedContent(of: replica).range(of: Data(marker.utf8)) != nil)
                }
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

            // With the server running and every database open, as they are: nothing folded or compacted.
            try withExtendedLifetime([officer, supervisor]) {
                for directory in directories {
                    let database = directory == centralDirectory ? SQLiteCentralStore.fileName : LocalReplica.fileName
                    let log = directory.appendingPathComponent(database + "-wal").path
                    #expect(FileManager.default.fileExists(atPath: log), "\(log): the database is not open")
                    for marker in markers {
                        let holding = try RedactionScan.files(in: directory, holding: marker)
                        #expect(holding.isEmpty, "\(marker) is still in \(holding)")
                    }
                }
            }
            return directories
        }

        for directory in directories {
            for marker in markers {
                let holding = try RedactionScan.files(in: directory, holding: marker)
                #expect(holding.isEmpty, "\(marker) is still in \(holding) after the server stopped")
            }
        }
    }

    @Test("after a redaction, the real server's files hold none of the content, running, SIGKILLed and restarted")
    func contentGoneFromServerFilesThroughSIGKILL() throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let server = try ServeProcess(data: workspace.appendingPathComponent("central"))
        defer { server.stop() }
        let officer = try server.enrolDevice(
            "dev-redact-officer",
            user: "PC-4127",
            in: workspace.appendingPathComponent("officer")
        )
        let supervisor = try server.enrolDevice(
            "dev-redact-supervisor",
            user: "PS-0311",
            role: "supervisor",
            in: workspace.appendingPathComponent("supervisor")
        )
        func run(_ arguments: [String], on device: URL) throws -> String {
            let result = try CLIRunner.run(arguments + ["--data", device.path])
            #expect(result.status == 0, "\(arguments.prefix(2)) failed: \(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The record, with an amendment, and other records around it pushed and pulled in several commits, so
        // that the content's pages are written again and again.
        let id = try run(
            [
                "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "following", "--risk", "low",
                "--narrative", narrativeMarker,
            ],
            on: officer
        )
        _ = try run(["sync"], on: officer)
        _ = try run(
            ["amend", id, "--field", "narrative", "--value", amendmentMarker, "--reason", "Fuller"],
            on: officer
        )
        for round in 0..<3 {
            _ = try run(
                [
                    "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "leering", "--risk", "low",
                    "--narrative", "Another sighting, round \(round)",
                ],
                on: officer
            )
            _ = try run(["sync"], on: officer)
            _ = try run(["sync"], on: supervisor)
        }
        // The check can fail: before the redaction, the content is in the server's files.
        #expect(try !RedactionScan.files(in: server.data, holding: narrativeMarker).isEmpty)

        _ = try run(["redact", id, "--reason", "recorded-in-error", "--explanation", "Wrong incident"], on: supervisor)
        _ = try run(["sync"], on: supervisor)
        _ = try run(["sync"], on: officer)
        let markers = [narrativeMarker, amendmentMarker]
        func expectGone(_ moment: String) throws {
            for directory in [server.data, officer, supervisor] {
                for marker in markers {
                    let holding = try RedactionScan.files(in: directory, holding: marker)
                    #expect(holding.isEmpty, "\(moment): \(marker) is in \(holding)")
                }
            }
        }
        try expectGone("while the server runs")
        server.kill()
        try expectGone("after SIGKILL")
        let restarted = try ServeProcess(data: server.data)
        defer { restarted.stop() }
        try expectGone("after a restart")
    }
}

/// Looks for content in the bytes of files, as an inspector of a seized disk would.
enum RedactionScan {
    /// The names of the files in `directory` (at any depth, whatever they are: databases, -wal, -shm, tokens)
    /// whose bytes hold `text`.
    static func files(in directory: URL, holding text: String) throws -> [String] {
        let needle = Data(text.utf8)
        let names = try FileManager.default.subpathsOfDirectory(atPath: directory.path).sorted()
        return try names.filter { name in
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { return false }
            return try Data(contentsOf: url).range(of: needle) != nil
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
