import Foundation
import TestSupport
import Testing

/// Real `empower-cli` processes — the device's `sync` and the central `serve` — killed with SIGKILL at random
/// moments, as a flat battery, a dropped phone or the out-of-memory killer would end them.
///
/// Whatever the moment, nothing a device holds as acknowledged may be missing from the server, a pulled page is
/// stored with its cursor or not at all, and once everything has synced again every operation ever made is on
/// the server exactly once and on every device, with nothing pending and no SQLite file damaged.
///
/// Kill moments are random. A device's sync is killed either uniformly within the measured duration of an un-killed
/// run of the same work (its push phase, for pushes), or (two trials in three) once its first batch is on the server
/// or its first pulled page is stored, within the time the rest of that un-killed run took, so that the narrow
/// windows between batches and pages are exercised however fast the machine starts a process. The server is
/// killed once the devices' first batch has landed,
/// after a random further delay of up to twice the time that took. The draws come from a seed printed at the
/// start: `EMPOWER_CRASH_SEED` repeats them, and `EMPOWER_CRASH_SCALE` scales the number of trials.
@Suite("Crash safety: SIGKILL at any moment loses nothing acknowledged and duplicates nothing", .serialized)
struct CrashSafetyTests {
    /// Operations recorded before each killed push: four push batches of 500.
    static let pushBacklog = 2000
    static let pushTrials = 16
    /// Trials on one server and device before both are replaced, so the files checked after each trial stay small.
    static let pushTrialsPerServer = 4
    /// The store a fresh device pulls: 5,000 operations from two devices, five pages of 1,000.
    static let pullAuthors = 2
    static let pullBacklogPerAuthor = 2500
    static let pullTrials = 26
    /// Devices pushing at once when the server is killed, and what each records before each trial.
    static let serverDevices = 3
    static let serverBacklogPerDevice = 600
    static let serverTrials = 10
    static let serverTrialsPerServer = 5

    @Test("CLI killed mid-push: every operation marked acknowledged is already on the server", .timeLimit(.minutes(3)))
    func cliKilledMidPush() async throws {
        let scenario = Scenario("CLI killed mid-push", outcomes: ["before any answer", "mid-push", "after the push"])
        var baseline: SyncTiming?
        try await withWorkspace { workspace, deviceParent in
            for epoch in scenario.epochs(trials: Self.pushTrials, perServer: Self.pushTrialsPerServer) {
                try await withServer(in: workspace.appendingPathComponent("central-\(epoch.number)")) { server in
                    let device = try CrashDevice.create(
                        in: deviceParent,
                        deviceId: "dev-crash-push-\(epoch.number)",
                        userId: "PC-4127",
                        server: server
                    )
                    var created = Set<String>()
                    if baseline == nil {
                        created = try device.recordBacklog(Self.pushBacklog)
                        baseline = try await syncToCompletion(
                            [device],
                            logs: workspace,
                            context: "baseline push",
                            untilServerHolds: (server, created.count)
                        )
                        try expectConverged(server, devices: [device], created: created, context: "after the baseline")
                        scenario.mark("baseline")
                    }
                    for trial in epoch.trials {
                        try await Self.killMidPush(
                            trial: trial,
                            device: device,
                            server: server,
                            within: baseline ?? SyncTiming(total: .seconds(1), pushed: .seconds(1)),
                            created: &created,
                            scenario: scenario,
                            logs: workspace
                        )
                    }
                }
            }
        }
        scenario.finish(baseline: baseline?.pushed, expecting: "mid-push")
    }

    /// One trial: a backlog, a sync killed at a random moment, the device's acknowledgements checked against the
    /// server, then a sync to the end and the whole state checked.
    private static func killMidPush(
        trial: Int,
        device: CrashDevice,
        server: CrashServer,
        within baseline: SyncTiming,
        created: inout Set<String>,
        scenario: Scenario,
        logs: URL
    ) async throws {
        let fresh = try device.recordBacklog(pushBacklog)
        created.formUnion(fresh)
        scenario.mark("recording")
        let stored = try Crash.operationCount(server.databasePath)
        let run = try CrashCLIRun(device.syncArguments, logDirectory: logs)
        let landed: Bool
        let context: String
        if scenario.oneIn(3) {
            let moment = scenario.moment(upTo: baseline.pushed * 1.1)
            context = scenario.context(trial: trial, "CLI killed at \(Crash.format(moment))")
            landed = await run.kill(at: moment)
        } else {
            let delay = scenario.moment(upTo: (baseline.pushed - baseline.firstStored) * 1.1)
            context = scenario.context(trial: trial, "CLI killed \(Crash.format(delay)) after its first batch landed")
            landed = await run.kill(after: delay, onceOperationsIn: server.databasePath, exceed: stored)
        }
        scenario.mark("killed syncs")

        // Before anything restarts: what the device holds as acknowledged, the server must hold already.
        let onDevice = try device.contents()
        let central = try CrashCentralContents(path: server.databasePath)
        let acknowledged = onDevice.opIds("acknowledged")
        let notOnServer = acknowledged.subtracting(central.opIds)
        #expect(
            notOnServer.count == 0,
            "\(context): \(notOnServer.count) operations marked acknowledged on the device are not on the server: \(Crash.sample(notOnServer))"
        )
        let lost = created.subtracting(onDevice.opIds)
        #expect(lost.count == 0, "\(context): operations made on the device vanished from it: \(Crash.sample(lost))")
        #expect(onDevice.opIds("parked").count == 0, "\(context): the server refused operations")
        expectNoDuplicates(central, context: context)
        let acknowledgedNow = fresh.intersection(acknowledged).count
        scenario.count(
            !landed
                ? "after it ended"
                : acknowledgedNow == 0
                    ? "before any answer" : acknowledgedNow < fresh.count ? "mid-push" : "after the push"
        )
        scenario.mark("checks")

        _ = try await syncToCompletion([device], logs: logs, context: "\(context), restarted")
        scenario.mark("resumed syncs")
        try expectConverged(server, devices: [device], created: created, context: "after \(context)")
        scenario.mark("checks")
    }

    @Test(
        "CLI killed mid-pull: the device holds exactly the server's operations up to its cursor",
        .timeLimit(.minutes(3))
    )
    func cliKilledMidPull() async throws {
        let scenario = Scenario(
            "CLI killed mid-pull",
            outcomes: ["before the first page", "mid-pull", "after the last page"]
        )
        var baseline = SyncTiming(total: .zero, pushed: .zero)
        try await withWorkspace { workspace, deviceParent in
            try await withServer(in: workspace.appendingPathComponent("central")) { server in
                // The store: each author pushes its backlog in turn, then the first pulls the second's.
                var created = Set<String>()
                var devices: [CrashDevice] = []
                for index in 1...Self.pullAuthors {
                    let author = try CrashDevice.create(
                        in: deviceParent,
                        deviceId: "dev-crash-author-\(index)",
                        userId: "PC-410\(index)",
                        server: server
                    )
                    created.formUnion(try author.recordBacklog(Self.pullBacklogPerAuthor))
                    devices.append(author)
                }
                for author in devices + devices.dropLast() {
                    _ = try await syncToCompletion([author], logs: workspace, context: "filling the store")
                }
                try expectConverged(server, devices: devices, created: created, context: "after filling the store")
                let central = try CrashCentralContents(path: server.databasePath)

                func newReader() throws -> CrashDevice {
                    let reader = try CrashDevice.create(
                        in: deviceParent,
                        deviceId: "dev-crash-reader-\(devices.count)",
                        // A user each: a user's further device would wait for approval (docs/accounts.md).
                        userId: "PC-4200-\(devices.count)",
                        server: server
                    )
                    devices.append(reader)
                    return reader
                }
                let first = try newReader()
                baseline = try await syncToCompletion(
                    [first],
                    logs: workspace,
                    context: "baseline pull",
                    timingFirstPageOf: first
                )
                try expectConverged(server, devices: [first], created: created, context: "after the baseline pull")
                scenario.mark("filling the store")

                var trial = 0
                while trial < Crash.trials(Self.pullTrials) {
                    // A fresh device, killed once or (half the time) again while it resumes from its cursor.
                    let reader = try newReader()
                    repeat {
                        trial += 1
                        try await Self.killMidPull(
                            trial: trial,
                            reader: reader,
                            central: central,
                            within: baseline,
                            scenario: scenario,
                            logs: workspace
                        )
                    } while trial < Crash.trials(Self.pullTrials) && scenario.coinToss()

                    _ = try await syncToCompletion([reader], logs: workspace, context: "\(reader.name), restarted")
                    scenario.mark("resumed syncs")
                    let context = scenario.context(trial: trial, "\(reader.name) restarted")
                    try expectConverged(server, devices: [reader], created: created, context: "after \(context)")
                    scenario.mark("checks")
                }
                // Every device of the test once more: the store did not change, so each holds all of it.
                try expectConverged(server, devices: devices, created: created, context: "at the end")
                scenario.mark("checks")
            }
        }
        scenario.finish(baseline: baseline.total, expecting: "mid-pull")
    }

    /// One trial: the reader's sync killed at a random moment, then its operations checked against its cursor.
    ///
    /// One trial in three draws the moment from the start of the process, over the whole of an un-killed pull;
    /// the others wait until the reader has stored a page and draw it over the time the rest of that pull took.
    private static func killMidPull(
        trial: Int,
        reader: CrashDevice,
        central: CrashCentralContents,
        within baseline: SyncTiming,
        scenario: Scenario,
        logs: URL
    ) async throws {
        let run = try CrashCLIRun(reader.syncArguments, logDirectory: logs)
        let landed: Bool
        let context: String
        if scenario.oneIn(3) {
            let moment = scenario.moment(upTo: baseline.total)
            context = scenario.context(trial: trial, "\(reader.name) killed at \(Crash.format(moment))")
            landed = await run.kill(at: moment)
        } else {
            let delay = scenario.moment(upTo: baseline.total - baseline.firstPage)
            context = scenario.context(
                trial: trial,
                "\(reader.name) killed \(Crash.format(delay)) after it held a pulled page"
            )
            landed = await run.kill(after: delay, onceOperationsIn: reader.databasePath, exceed: 0)
        }
        scenario.mark("killed syncs")

        let onDevice = try reader.contents()
        let cursor = onDevice.pullCursor
        let expected = central.opIds(throughSeq: cursor)
        let gap = expected.subtracting(onDevice.opIds)
        let extra = onDevice.opIds.subtracting(expected)
        #expect(
            gap.count == 0,
            "\(context): cursor \(cursor) passes \(gap.count) operations the device does not hold: \(Crash.sample(gap))"
        )
        #expect(
            extra.count == 0,
            "\(context): the device holds \(extra.count) operations beyond its cursor \(cursor): \(Crash.sample(extra))"
        )
        let seqByOpId = central.seqByOpId
        let lastStored = onDevice.opIds.compactMap { seqByOpId[$0] }.max() ?? 0
        #expect(
            cursor == lastStored,
            "\(context): the cursor is \(cursor), the last operation stored is at \(lastStored)"
        )
        #expect(onDevice.opIds("pending").count == 0, "\(context): pulled operations are pending")
        scenario.count(
            !landed
                ? "after it ended"
                : onDevice.opIds.isEmpty
                    ? "before the first page"
                    : onDevice.opIds.count < central.count ? "mid-pull" : "after the last page"
        )
        scenario.mark("checks")
    }

    @Test(
        "server killed mid-batch: what it acknowledged survives its restart, and every device converges",
        .timeLimit(.minutes(3))
    )
    func serverKilledMidBatch() async throws {
        let scenario = Scenario("server killed mid-batch", outcomes: ["mid-push", "after every push"])
        try await withWorkspace { workspace, deviceParent in
            for epoch in scenario.epochs(trials: Self.serverTrials, perServer: Self.serverTrialsPerServer) {
                try await withServer(in: workspace.appendingPathComponent("central-\(epoch.number)")) { server in
                    let devices = try (1...Self.serverDevices).map { index in
                        try CrashDevice.create(
                            in: deviceParent,
                            deviceId: "dev-crash-pusher-\(epoch.number)-\(index)",
                            userId: "PC-430\(index)",
                            server: server
                        )
                    }
                    var created = Set<String>()
                    for trial in epoch.trials {
                        try await Self.killServerMidBatch(
                            trial: trial,
                            devices: devices,
                            server: server,
                            created: &created,
                            scenario: scenario,
                            logs: workspace
                        )
                    }
                }
            }
        }
        scenario.finish(baseline: nil, expecting: "mid-push")
    }

    /// One trial: backlogs on every device, all of them syncing at once, and the server killed a random moment
    /// after their first batch is committed (at most twice as long again as that took, so the load of the machine
    /// at the time scales the window), the devices a moment later; the server restarted on the same data and
    /// checked against what the devices hold as acknowledged; then everyone re-pointed at it and synced to the
    /// end, and the whole state checked.
    private static func killServerMidBatch(
        trial: Int,
        devices: [CrashDevice],
        server: CrashServer,
        created: inout Set<String>,
        scenario: Scenario,
        logs: URL
    ) async throws {
        var fresh = Set<String>()
        for device in devices { fresh.formUnion(try device.recordBacklog(serverBacklogPerDevice)) }
        created.formUnion(fresh)
        scenario.mark("recording")
        let storedBefore = try Crash.operationCount(server.databasePath)
        let runs = try devices.map { try CrashCLIRun($0.syncArguments, logDirectory: logs) }
        let started = ContinuousClock.now
        var firstCommit = Duration.zero
        while runs.contains(where: \.process.isRunning) && !Task.isCancelled {
            if (try? Crash.operationCount(server.databasePath)) ?? 0 > storedBefore {
                firstCommit = .now - started
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let extra = scenario.moment(upTo: firstCommit * 2)
        let linger = scenario.moment(upTo: .milliseconds(300))
        let context = scenario.context(
            trial: trial,
            "first commit at \(Crash.format(firstCommit)), server killed \(Crash.format(extra)) later, "
                + "devices \(Crash.format(linger)) after that"
        )
        await Crash.sleep(until: .now + extra, whileAnyRuns: runs.map(\.process))
        await server.crash()
        // The devices find the server gone (and back off) for a moment; then they are killed too.
        try? await Task.sleep(for: linger)
        for run in runs { await Crash.sigkill(run.process) }
        scenario.mark("killed syncs")

        try server.restart()
        scenario.mark("restarts")
        let central = try CrashCentralContents(path: server.databasePath)
        let integrity = try Crash.integrityCheck(server.databasePath)
        #expect(integrity == "ok", "\(context): the restarted server's database: \(integrity)")
        for device in devices {
            let notOnServer = try device.contents().opIds("acknowledged").subtracting(central.opIds)
            #expect(
                notOnServer.count == 0,
                "\(context): \(notOnServer.count) operations \(device.name) holds as acknowledged are not on the restarted server: \(Crash.sample(notOnServer))"
            )
        }
        expectNoDuplicates(central, context: context)
        scenario.count(fresh.isSubset(of: central.opIds) ? "after every push" : "mid-push")
        for device in devices { try device.setServer(server.url) }
        scenario.mark("checks")

        _ = try await syncToCompletion(devices, logs: logs, context: "\(context), pushes again")
        _ = try await syncToCompletion(devices, logs: logs, context: "\(context), pulls again")
        scenario.mark("resumed syncs")
        try expectConverged(server, devices: devices, created: created, context: "after \(context)")
        scenario.mark("checks")
    }
}

/// One scenario's run: its seeded kill moments, where the kills landed, and where the time went.
private final class Scenario {
    let name: String
    let seed: UInt64
    private var random: SeededGenerator
    private let outcomes: [String]
    private var counts: [String: Int] = [:]
    private var phases: [String] = []
    private var times: [String: Duration] = [:]
    private let began = ContinuousClock.now
    private var lastMark = ContinuousClock.now

    /// - Parameter outcomes: where a kill may land, in order; "after it ended" is added.
    init(_ name: String, outcomes: [String]) {
        self.name = name
        self.seed = Crash.seed(for: name)
        self.random = SeededGenerator(seed: seed)
        self.outcomes = outcomes + ["after it ended"]
    }

    /// A moment drawn uniformly from zero to `limit`.
    func moment(upTo limit: Duration) -> Duration {
        random.moment(upTo: limit)
    }

    func coinToss() -> Bool {
        Bool.random(using: &random)
    }

    /// True with probability 1/`n`.
    func oneIn(_ n: Int) -> Bool {
        Int.random(in: 0..<n, using: &random) == 0
    }

    /// How to name a trial in a failure message, so that it can be replayed.
    func context(trial: Int, _ detail: String) -> String {
        "\(name), trial \(trial) (EMPOWER_CRASH_SEED=\(seed); \(detail))"
    }

    /// The trials, split into groups that each get a new server and new devices.
    func epochs(trials: Int, perServer: Int) -> [(number: Int, trials: ClosedRange<Int>)] {
        let total = Crash.trials(trials)
        return stride(from: 1, through: total, by: perServer).enumerated().map { index, first in
            (number: index + 1, trials: first...min(first + perServer - 1, total))
        }
    }

    /// Notes where a kill landed.
    func count(_ outcome: String) {
        counts[outcome, default: 0] += 1
    }

    /// Adds the time since the last mark to `phase`.
    func mark(_ phase: String) {
        let now = ContinuousClock.now
        if times[phase] == nil { phases.append(phase) }
        times[phase, default: .zero] += now - lastMark
        lastMark = now
    }

    /// Prints the summary, and checks that some kills landed where they were aimed.
    func finish(baseline: Duration?, expecting outcome: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let landed = outcomes.map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
        let spent = phases.map { "\($0) \(Crash.format(times[$0] ?? .zero))" }.joined(separator: ", ")
        let reference = baseline.map { "; un-killed run \(Crash.format($0))" } ?? ""
        let summary =
            "\(counts.values.reduce(0, +)) kills: \(landed)\(reference); \(spent); "
            + "\(Crash.format(ContinuousClock.now - began)) in all"
        print("[crash] \(name): \(summary)")
        #expect(
            counts[outcome, default: 0] > 0,
            "\(name): no kill landed \(outcome), so that window was never exercised (\(summary))",
            sourceLocation: sourceLocation
        )
    }
}

// MARK: - Running and checking

/// A directory for servers' data and logs, and one for devices, removed afterwards.
private func withWorkspace(_ body: (_ workspace: URL, _ deviceParent: URL) async throws -> Void) async throws {
    let workspace = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: workspace) }
    try await body(workspace, workspace.appendingPathComponent("devices"))
}

/// A running `serve` process on `dataDirectory`, stopped afterwards whatever happens.
private func withServer(in dataDirectory: URL, _ body: (CrashServer) async throws -> Void) async throws {
    let server = try CrashServer(dataDirectory: dataDirectory)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// How long un-killed syncs took: in all, until the server held everything they had to push, until it held their
/// first batch, and until a device first held a pulled page.
private struct SyncTiming {
    var total: Duration
    var pushed: Duration
    var firstStored: Duration = .zero
    var firstPage: Duration = .zero
}

/// Runs `empower-cli sync` on every device at once and waits for all; each must succeed.
///
/// With `untilServerHolds`, the server's store is polled (read-only) to time the push phase: until it holds
/// that many operations. With `timingFirstPageOf`, that device's file is polled likewise until it holds an
/// operation (a device with none of its own: until its first pulled page is stored).
private func syncToCompletion(
    _ devices: [CrashDevice],
    logs: URL,
    context: String,
    untilServerHolds target: (server: CrashServer, count: Int)? = nil,
    timingFirstPageOf reader: CrashDevice? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> SyncTiming {
    let runs = try devices.map { try CrashCLIRun($0.syncArguments, logDirectory: logs) }
    let start = ContinuousClock.now
    var pushed: Duration?
    var firstStored: Duration?
    if let target {
        let before = try Crash.operationCount(target.server.databasePath)
        while pushed == nil && runs.contains(where: \.process.isRunning) && !Task.isCancelled {
            let count = (try? Crash.operationCount(target.server.databasePath)) ?? 0
            if firstStored == nil && count > before { firstStored = .now - start }
            if count >= target.count { pushed = .now - start }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
    var firstPage: Duration?
    if let reader {
        await Crash.waitForOperations(in: reader.databasePath, toExceed: 0, whileRunning: runs.map(\.process))
        firstPage = .now - start
    }
    var total = Duration.zero
    for (device, run) in zip(devices, runs) {
        let result = await run.finish()
        total = max(total, ContinuousClock.now - start)
        #expect(
            result.status == 0,
            "\(context): sync of \(device.name) failed (\(result.status)): \(result.stderr)",
            sourceLocation: sourceLocation
        )
    }
    return SyncTiming(
        total: total,
        pushed: pushed ?? total,
        firstStored: min(firstStored ?? .zero, pushed ?? total),
        firstPage: min(firstPage ?? total, total)
    )
}

/// The central store holds no operation twice.
private func expectNoDuplicates(
    _ central: CrashCentralContents,
    context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        central.count == central.distinctCount,
        "\(context): the server holds \(central.count - central.distinctCount) duplicate operations",
        sourceLocation: sourceLocation
    )
}

/// After everything synced: every operation ever made is on the server exactly once, every device holds exactly
/// the server's operations with nothing pending or parked, and every SQLite file is sound.
private func expectConverged(
    _ server: CrashServer,
    devices: [CrashDevice],
    created: Set<String>,
    context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let central = try CrashCentralContents(path: server.databasePath)
    expectNoDuplicates(central, context: context, sourceLocation: sourceLocation)
    #expect(
        central.count == created.count,
        "\(context): the server holds \(central.count) operations, \(created.count) were made",
        sourceLocation: sourceLocation
    )
    let missing = created.subtracting(central.opIds)
    #expect(
        missing.count == 0,
        "\(context): \(missing.count) operations made on a device never reached the server: \(Crash.sample(missing))",
        sourceLocation: sourceLocation
    )
    let unknown = central.opIds.subtracting(created)
    #expect(
        unknown.count == 0,
        "\(context): the server holds \(unknown.count) operations no device made: \(Crash.sample(unknown))",
        sourceLocation: sourceLocation
    )
    var union = Set<String>()
    for device in devices {
        let contents = try device.contents()
        union.formUnion(contents.opIds)
        let absent = central.opIds.subtracting(contents.opIds)
        let extra = contents.opIds.subtracting(central.opIds)
        #expect(
            absent.count + extra.count == 0,
            "\(context): \(device.name) lacks \(absent.count) of the server's operations (\(Crash.sample(absent))) and holds \(extra.count) it does not (\(Crash.sample(extra)))",
            sourceLocation: sourceLocation
        )
        let waiting = contents.opIds("pending").union(contents.opIds("parked"))
        #expect(
            waiting.count == 0,
            "\(context): \(device.name) still has \(waiting.count) operations pending or parked",
            sourceLocation: sourceLocation
        )
        #expect(
            contents.pullCursor == central.lastSeq,
            "\(context): \(device.name)'s cursor is \(contents.pullCursor), the server's last position \(central.lastSeq)",
            sourceLocation: sourceLocation
        )
        let integrity = try Crash.integrityCheck(device.databasePath)
        #expect(
            integrity == "ok",
            "\(context): \(device.name)'s database: \(integrity)",
            sourceLocation: sourceLocation
        )
    }
    #expect(
        devices.isEmpty || union.symmetricDifference(central.opIds).count == 0,
        "\(context): the devices' operations together differ from the server's",
        sourceLocation: sourceLocation
    )
    let integrity = try Crash.integrityCheck(server.databasePath)
    #expect(integrity == "ok", "\(context): central database: \(integrity)", sourceLocation: sourceLocation)
}
