import ArgumentParser
import Central
import Foundation
import Models
import Sync

/// `empower-cli demo`: the whole loop on a throwaway server, from the sample data in `fixtures/`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show the whole loop: devices record offline, sync to a central server, one merged log.",
        discussion: """
            Starts a central server on a free loopback port with its data in a temporary directory, sets up two \
            officers' devices and a door supervisor's device from the fixtures, records while they are offline, \
            syncs, checks that every device and the central store hold the same records, and prints the log. \
            With --serve the server stays up afterwards and prints where the public page is and a sign-in link to \
            the supervisors' dashboard (press Enter for another link, Ctrl-C to stop).
            """
    )

    @Option(help: ArgumentHelp("The fixtures directory.", valueName: "dir"))
    var fixtures: String = "fixtures"

    @Flag(help: "Keep the temporary directory and say where it is.")
    var keep = false

    @Flag(
        help: "Keep the server running after the demo, with the supervisors' dashboard and the public page to look at."
    )
    var serve = false

    func run() async throws {
        let fixturesURL = URL(fileURLWithPath: fixtures)
        let venues = try VenueFile.load(path: fixturesURL.appendingPathComponent("venues.json").path)
        let log: PatrolLogFixture
        let supervision: PatrolLogFixture
        do {
            log = try PatrolLogFixture.load(from: fixturesURL.appendingPathComponent("patrol-log.json"))
            supervision = try PatrolLogFixture.load(from: fixturesURL.appendingPathComponent("supervision.json"))
        } catch {
            throw CLIError(
                "The sample log \(fixtures)/patrol-log.json cannot be read: run the demo from the repository root, or pass --fixtures."
            )
        }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empower-demo-\(UUID().uuidString.prefix(8))"
        )
        defer { if !keep { try? FileManager.default.removeItem(at: workspace) } }

        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        for venue in venues { try await store.saveVenue(venue, by: .console(), now: Date()) }
        let serve = serve
        let report = try await CentralServer.withRunningServer(store: store) { serverURL in
            let report = try await DemoRun(
                log: log,
                supervision: supervision,
                workspace: workspace,
                serverURL: serverURL,
                store: store
            )
            .run()
            if serve {
                print(report)
                try await DemoPages(serverURL: serverURL, store: store, supervision: supervision).serve()
            }
            return report
        }
        if !serve {
            print(report)
            print(
                "\nTo look at the supervisors' dashboard and the public page of this log, run 'empower-cli demo --serve':"
                    + " the server then stays up and says where they are."
            )
        }
        if keep {
            print("\nKept: \(workspace.path)")
            print(
                "(The devices' records are encrypted with keys made for this run and not kept; the central store is as it was.)"
            )
        }
    }
}

/// The steps of the demo, each printing what it does.
struct DemoRun: Sendable {
    let log: PatrolLogFixture
    /// A supervisor's review of the log, made once it has synced.
    let supervision: PatrolLogFixture
    let workspace: URL
    let serverURL: URL
    let store: SQLiteCentralStore

    func run() async throws -> String {
        print("Central server: \(serverURL.absoluteString) (SQLite in \(workspace.path))\n")
        var replicas: [String: LocalReplica] = [:]
        var tokens: [String: String] = [:]
        for device in log.devices {
            let directory = workspace.appendingPathComponent(device.deviceId)
            replicas[device.deviceId] = try LocalReplica.create(
                in: directory,
                identity: device.identity(serverURL: serverURL),
                key: DataKey.random()
            )
            tokens[device.deviceId] = try await enrol(device)
            print(
                "Enrolled \(device.deviceId) for \(device.userId) (\(device.role.rawValue)\(device.venueId.map { " at \($0)" } ?? ""))"
            )
        }
        func transport(_ deviceId: String) -> HTTPTransport {
            HTTPTransport(serverURL: serverURL, token: tokens[deviceId])
        }

        print("\nNo signal: every device records offline.")
        for device in log.devices {
            let entries = log.entries(of: device.deviceId)
            for entry in entries { try entry.record(on: replicas[device.deviceId]!) }
            print(
                "  \(device.deviceId) recorded \(entries.count) operations; \(try replicas[device.deviceId]!.status().pending) queued"
            )
        }

        let first = log.devices[0].deviceId
        let offline = SyncEngine(
            replica: replicas[first]!,
            transport: HTTPTransport(serverURL: URL(string: "http://127.0.0.1:9")!, token: nil, requestTimeout: 2)
        )
        do {
            try await offline.sync()
        } catch let error as SyncError {
            print("  \(first) tries to sync in a basement: \(error)")
            print("  \(first) still has \(try replicas[first]!.status().pending) operations queued")
        }

        print("\nSignal back: each device syncs (and the first ones again, to fetch what came later).")
        let order = log.devices.map(\.deviceId) + log.devices.dropLast().map(\.deviceId)
        for deviceId in order {
            let engine = SyncEngine(replica: replicas[deviceId]!, transport: transport(deviceId))
            let report = try await engine.sync()
            print("  \(deviceId): pushed \(report.pushed), pulled \(report.pulled) new")
        }

        print("\nA supervisor reviews the merged log: grades, links one subject across three nights, redacts an error.")
        for device in supervision.devices {
            let replica = try LocalReplica.create(
                in: workspace.appendingPathComponent(device.deviceId),
                identity: device.identity(serverURL: serverURL),
                key: DataKey.random()
            )
            replicas[device.deviceId] = replica
            tokens[device.deviceId] = try await enrol(device)
            let engine = SyncEngine(replica: replica, transport: transport(device.deviceId))
            print("  \(device.deviceId) (\(device.userId), supervisor): pulled \(try await engine.sync().pulled)")
            let entries = supervision.entries(of: device.deviceId)
            for entry in entries { try entry.record(on: replica) }
            print(
                "  \(device.deviceId) recorded \(entries.count) reviews, gradings, links and a redaction; pushed \(try await engine.sync().pushed)"
            )
        }
        for deviceId in log.devices.map(\.deviceId) {
            let engine = SyncEngine(replica: replicas[deviceId]!, transport: transport(deviceId))
            print("  \(deviceId): pulled \(try await engine.sync().pulled) new")
        }

        let central = try await store.records(matching: RecordFilter())
        var venueStaff: [String] = []
        for (deviceId, replica) in replicas.sorted(by: { $0.key < $1.key }) {
            let identity = try replica.identity()
            let local = try replica.records()
            if identity.role == .venueStaff, let venueId = identity.venueId {
                // Venue staff hold the records made at their venue, and only those.
                let scoped = try await store.records(matching: RecordFilter(scopeVenueIds: [venueId]))
                guard local == scoped, local.count < central.count else {
                    throw CLIError(
                        "\(deviceId) does not hold exactly its venue's records: the demo found a scope fault."
                    )
                }
                venueStaff.append("\(deviceId) holds only the \(local.count) records of \(venueId)")
                continue
            }
            guard local == central else {
                throw CLIError("\(deviceId) does not agree with the central store: the demo found a sync fault.")
            }
        }
        print(
            "\nThe police devices and the central store hold the same \(central.count) records, compared field by "
                + "field (amendment histories, registers and the tombstone included); "
                + (venueStaff.isEmpty ? "" : venueStaff.joined(separator: "; ") + ".")
        )
        return "\nThe merged log (times in Europe/London):\n" + RecordText.table(central) + "\n\n" + summary(central)
    }

    /// Enrols a fixture device as an administrator would, and redeems its token as `device init` would.
    private func enrol(_ device: FixtureDevice) async throws -> String {
        try await store.provisionDevice(
            device.deviceId,
            for: UserAccount(id: device.userId, role: device.role, venueIds: device.venueId.map { [$0] } ?? [])
        )
    }

    private func summary(_ records: [RecordState]) -> String {
        var byVenue: [String: Int] = [:]
        var byBehaviour: [Behaviour: Int] = [:]
        var byAction: [InterventionAction: Int] = [:]
        for record in records {
            switch record.current {
            case .sighting(let sighting):
                byVenue[sighting.location.venueId ?? "(street)", default: 0] += 1
                for behaviour in sighting.behaviours { byBehaviour[behaviour, default: 0] += 1 }
            case .intervention(let intervention):
                for action in intervention.actions { byAction[action, default: 0] += 1 }
            case .note, .authorisation, .redacted:
                break
            }
        }
        func block(_ title: String, _ counts: [(String, Int)]) -> String {
            ([title]
                + counts.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.map {
                    "  \(String($0.1).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.0)"
                })
                .joined(separator: "\n")
        }
        return [
            block("Sightings by venue:", byVenue.map { ($0.key, $0.value) }),
            block("Behaviours seen:", byBehaviour.map { ($0.key.label, $0.value) }),
            block("Intervention actions:", byAction.map { ($0.key.rawValue, $0.value) }),
        ].joined(separator: "\n\n")
    }
}
