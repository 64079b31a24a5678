import Central
import Foundation
import Models
import Sync

/// Many devices against one store at once: a fleet of devices (real replicas, or light clients) syncing
/// together, with every HTTP request timed.
struct FleetBench {
    let workspace: URL
    let executable: URL

    /// What the fleet measured.
    struct Figures {
        var devices: Int
        var officers: Int
        var venues: Int
        /// Whether the devices were `LightClient`s rather than real replicas.
        var light: Bool
        var concurrency: Int
        var rounds: Int
        var operations: Int
        var seconds: Double
        /// Every request's duration, in seconds, by kind (push, pull, venues).
        var requests: [String: [Double]]
        /// CPU seconds used while the devices synced: by the bench process (the simulated devices) and by the
        /// server process.
        var deviceCPU: Double
        var serverCPU: Double
        /// The share of the whole machine's CPU that was busy meanwhile (the database and other work included).
        var machineBusy: Double
        /// For every audit entry of the run, seconds from its writing to the signed head that sealed it.
        var sealingLag: [Double] = []

        var all: [Double] { requests.values.flatMap { $0 } }
    }

    /// One simulated device and its owner.
    struct Member {
        var device: String
        var user: String
        var venue: String?

        var account: UserAccount {
            UserAccount(id: user, role: venue == nil ? .officer : .venueStaff, venueIds: venue.map { [$0] } ?? [])
        }
    }

    /// The fleet of a night out: `officers` officers, who pull every operation, and venue staff, two at each
    /// venue, who pull only the records made at their venue.
    static func members(devices: Int, officers: Int) -> [Member] {
        (0..<devices).map { index in
            index < officers
                ? Member(device: "dev-fleet-\(index)", user: "PC-\(5000 + index)", venue: nil)
                : Member(
                    device: "dev-fleet-\(index)",
                    user: "SIA-2000-\(1000 + index)",
                    venue: "venue-bench-\((index - officers) / 2)"
                )
        }
    }

    /// `devices` devices (one account and one provisioned token each), each with `operationsPerRound` new
    /// sightings a round, sync with one server (`empower-cli serve`) at once, at most `concurrency` syncing at
    /// any moment; `rounds` times, so that after the first sync devices pull only what is new. Real devices
    /// (a `LocalReplica` and a `SyncEngine` each) unless `light`: then `LightClient`s push, pull and fetch the
    /// venues the same way but keep nothing.
    func run(
        on kind: BenchStore,
        devices: Int,
        officers: Int,
        light: Bool = false,
        operationsPerRound: Int,
        rounds: Int,
        concurrency: Int
    ) async throws -> Figures {
        try await kind.withScratch(in: workspace, named: "fleet") { store in
            let members = Self.members(devices: devices, officers: officers)
            let venues = Set(members.compactMap(\.venue)).sorted()
            let tokens = try await store.withStore { central in
                // The officers' venue too: a server that holds venues refuses operations naming any other.
                for (index, venue) in (venues + [Self.officersVenue]).enumerated() {
                    try await central.saveVenue(Self.venue(venue, number: index), by: .console(), now: Date())
                }
                var tokens: [String] = []
                for member in members {
                    tokens.append(try await central.provisionDevice(member.device, for: member.account))
                }
                return tokens
            }
            let server = try BenchServer(executable: executable, store: store)
            defer { server.stop() }
            let directory = workspace.appendingPathComponent("fleet-devices")
            defer { try? FileManager.default.removeItem(at: directory) }
            let log = RequestLog()
            let fleet: any Fleet =
                light
                ? try LightFleet(members: members, tokens: tokens, server: server.url, log: log)
                : try DeviceFleet(members: members, tokens: tokens, server: server.url, in: directory, log: log)
            var seconds = 0.0
            var pushed = 0
            var deviceCPU = 0.0
            var serverCPU = 0.0
            var (busy, total) = (0.0, 0.0)
            for round in 0..<rounds {
                let syncs = try fleet.prepareRound(round, operations: operationsPerRound)
                let (startDevices, startServer) = (BenchCommand.cpuSeconds(of: "self"), server.cpuSeconds)
                let startMachine = BenchCommand.machineTicks()
                let start = ContinuousClock.now
                pushed += try await Self.run(syncs, concurrency: concurrency)
                seconds += BenchCommand.seconds(ContinuousClock.now - start)
                deviceCPU += BenchCommand.cpuSeconds(of: "self") - startDevices
                serverCPU += server.cpuSeconds - startServer
                let endMachine = BenchCommand.machineTicks()
                busy += endMachine.busy - startMachine.busy
                total += endMachine.total - startMachine.total
            }
            guard pushed == devices * operationsPerRound * rounds else {
                throw BenchError("The fleet pushed \(pushed) operations, not \(devices * operationsPerRound * rounds).")
            }
            // The sealer's next turn (every half second), then what each entry waited, read beside the server.
            try await Task.sleep(for: .milliseconds(1500))
            let sealingLag = try await store.withStore { try await AuditBench.sealingLag($0) }
            return Figures(
                devices: devices,
                officers: min(officers, devices),
                venues: venues.count,
                light: light,
                concurrency: concurrency,
                rounds: rounds,
                operations: pushed,
                seconds: seconds,
                requests: log.durations,
                deviceCPU: deviceCPU,
                serverCPU: serverCPU,
                machineBusy: total > 0 ? busy / total : 0,
                sealingLag: sealingLag
            )
        }
    }

    /// Where the fleet's officers record their sightings.
    static let officersVenue = "venue-concert-sq-01"

    /// An invented venue for the benchmark's venue staff.
    static func venue(_ id: String, number: Int) -> Venue {
        Venue(
            id: id,
            name: "Bench venue \(number)",
            licenceNumber: "TEST-LCC-PL-\(5000 + number)",
            area: "Liverpool city centre",
            address: "\(number + 1) Bold Street, Liverpool",
            latitude: 53.4029,
            longitude: -2.9806
        )
    }

    /// Runs every device's sync once, at most `concurrency` at a time; the operations pushed.
    private static func run(_ syncs: [FleetSync], concurrency: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { tasks in
            var next = 0
            var pushed = 0
            func startNext() {
                guard next < syncs.count else { return }
                tasks.addTask(operation: syncs[next])
                next += 1
            }
            for _ in 0..<concurrency { startNext() }
            while let count = try await tasks.next() {
                pushed += count
                startNext()
            }
            return pushed
        }
    }
}
