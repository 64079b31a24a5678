import Central
import Foundation
import GRDB
import Models
import Sync
import TestSupport

/// Something a case found wrong, tagged with the check that found it.
struct CaseFailure: Sendable, Hashable, CustomStringConvertible {
    /// The check: `records`, `operations`, `content`, `outbox`, `fold`, `venue-filter`, `rules`, …
    var check: String
    var message: String
    /// The reported bug this failure is an instance of, if it is one.
    var knownIssue: String?

    var description: String { "[\(check)] \(message)" + (knownIssue.map { " (known issue: \($0))" } ?? "") }
}

/// What a case did and what it found.
struct CaseOutcome: Sendable {
    var plan: ConvergencePlan
    var failures: [CaseFailure]
    /// Every step as it happened, with the faults injected.
    var trace: [String]
    /// How often each thing happened, for the run's summary.
    var counts: [String: Int]
}

/// What an append should come to.
private enum Expectation {
    case accepted
    /// Refused, with one of these codes (`not-allowed`, `unknown-record` or a validation code).
    case refused(Set<String>)
}

/// One generated case, run for real: a `LocalReplica` per device on its own SQLite file, one
/// `SQLiteCentralStore`, the steps, a final sync without faults, and the checks.
///
/// Time is simulated so that a seed replays the same case: the true time starts at the real time and moves
/// on a little at each step, and each device's clock is the true time plus its skew.
final class ConvergenceCase {
    struct Device {
        let spec: DeviceSpec
        let directory: URL
        var replica: LocalReplica
        let transport: ChaosTransport
        var skewMilliseconds: Int64
        /// The device's boot: a new one at each reboot, and the true time it started at.
        var bootId: String
        var bootStartMilliseconds: Int64
    }

    let plan: ConvergencePlan
    private(set) var trace: [String] = []
    private(set) var failures: [CaseFailure] = []
    private(set) var counts: [String: Int] = [:]
    var devices: [Device] = []
    private var server: InProcessSyncServer?
    private var labels: [UUID: String] = [:]
    private var recordCount = 0
    private let startMilliseconds = Date().millisecondsSince1970
    private var elapsedMilliseconds: Int64 = 0
    private var stepPrefix = ""
    /// What each device recorded and kept, by device: every one of them must reach the server exactly once.
    var recorded: [String: [RecordedContent]] = [:]
    /// What each device recorded whose only stored copy the case damaged: it cannot reach the server.
    var damaged: [String: [(opId: UUID, content: RecordedContent)]] = [:]

    private init(plan: ConvergencePlan) {
        self.plan = plan
    }

    /// Runs a case in a directory of its own under `parent`, removed afterwards.
    static func run(_ plan: ConvergencePlan, in parent: URL) async -> CaseOutcome {
        let directory = parent.appendingPathComponent("case-\(SeedText.format(plan.seed))-\(UUID().uuidString)")
        let outcome: CaseOutcome
        do {
            let runner = ConvergenceCase(plan: plan)
            await runner.run(in: directory)
            outcome = CaseOutcome(plan: plan, failures: runner.failures, trace: runner.trace, counts: runner.counts)
        }
        try? FileManager.default.removeItem(at: directory)
        return outcome
    }

    private func run(in directory: URL) async {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try SQLiteCentralStore(directory: directory.appendingPathComponent("central"))
            let server = InProcessSyncServer(store: store, now: trueNow)
            self.server = server
            for spec in plan.devices {
                let replica = try LocalReplica.create(
                    in: directory.appendingPathComponent(spec.deviceId),
                    identity: DeviceIdentity(
                        deviceId: spec.deviceId,
                        userId: spec.userId,
                        role: spec.role,
                        venueId: spec.venueId,
                        serverURL: URL(string: "http://127.0.0.1:9")!
                    ),
                    key: testDataKey
                )
                devices.append(
                    Device(
                        spec: spec,
                        directory: directory.appendingPathComponent(spec.deviceId),
                        replica: replica,
                        transport: ChaosTransport(server: server, caller: spec.caller),
                        skewMilliseconds: spec.skewMilliseconds,
                        bootId: "boot-\(spec.deviceId)-0",
                        bootStartMilliseconds: startMilliseconds - 3_600_000
                    )
                )
            }
            for (number, step) in plan.steps.enumerated() {
                stepPrefix = "\(number) d\(step.device)"
                try await perform(step)
                for event in devices[step.device].transport.takeEvents() { log("  fault: \(event)") }
            }
            stepPrefix = "final"
            if try await finalSync() {
                try await check(store, now: trueNow)
            }
            for anomaly in server.anomalies { fail("server", anomaly) }
        } catch {
            fail("error", "the case stopped on an unexpected error: \(error)")
        }
        for device in devices {
            for (key, value) in device.transport.takeCounts() { counts[key, default: 0] += value }
        }
        count("cases")
        count("devices", by: plan.devices.count)
        count("steps", by: plan.steps.count)
        devices = []
        self.server = nil
    }

    // MARK: Bookkeeping

    func log(_ text: String) { trace.append("\(stepPrefix): \(text)") }

    func fail(_ check: String, _ message: String, knownIssue: String? = nil) {
        failures.append(CaseFailure(check: check, message: message, knownIssue: knownIssue))
    }

    func count(_ key: String, by amount: Int = 1) { counts[key, default: 0] += amount }

    /// A record's name in traces and failures: S, I or N and the order it was made in.
    func label(_ id: UUID) -> String { labels[id] ?? "record \(id.uuidString.prefix(8))" }

    private func newLabel(_ type: RecordType, _ id: UUID) -> String {
        recordCount += 1
        let label = "\(type.rawValue.prefix(1).uppercased())\(recordCount)"
        labels[id] = label
        return label
    }

    /// The device index of a device id, as `d0`, `d1`, …
    func deviceName(_ deviceId: String) -> String {
        devices.firstIndex { $0.spec.deviceId == deviceId }.map { "d\($0)" } ?? deviceId
    }

    func describe(_ operation: LogOperation) -> String {
        let what: String
        switch operation.payload {
        case .amend(let amendment): what = "amend \(amendment.field.rawValue)"
        case .setRegister(let write): what = "set \(write.register.split(separator: ":").first ?? "")"
        default: what = operation.kind.rawValue
        }
        return "\(what) of \(label(operation.recordId)) by \(deviceName(operation.deviceId)) at \(operation.hlc)"
    }

    /// The true time of the case: the real time it started, moved on by each step.
    private var trueNow: Date { Date(millisecondsSince1970: startMilliseconds + elapsedMilliseconds) }

    /// A device's wall clock: the true time plus its skew.
    private func clock(of device: Int) -> Date {
        Date(millisecondsSince1970: startMilliseconds + elapsedMilliseconds + devices[device].skewMilliseconds)
    }

    /// A device's clocks: its wall clock, and its boot clock, which runs true from its boot.
    func deviceTime(of device: Int) -> DeviceTime {
        let trueMilliseconds = startMilliseconds + elapsedMilliseconds
        return DeviceTime(
            wall: clock(of: device),
            boot: BootInstant(
                bootId: devices[device].bootId,
                milliseconds: trueMilliseconds - devices[device].bootStartMilliseconds
            )
        )
    }

    /// The time a device tells by its server-anchored clock: what the CLI makes a record's time by default.
    private func estimatedTime(of device: Int) throws -> Date {
        try devices[device].replica.estimatedTime(at: deviceTime(of: device))
    }

    // MARK: Steps

    private func perform(_ step: Step) async throws {
        var rng = SeededGenerator(seed: step.seed)
        elapsedMilliseconds += rng.int64(0...1500)
        server?.now = trueNow
        let device = step.device
        switch step.kind {
        case .createSighting: try createSighting(on: device, rng: &rng)
        case .createIntervention: try createIntervention(on: device, rng: &rng)
        case .createNote: try createNote(on: device, rng: &rng)
        case .amend: try amend(on: device, rng: &rng)
        case .setRegister: try setRegister(on: device, rng: &rng)
        case .redact: try redact(on: device, rng: &rng)
        case .forbidden: try attemptForbidden(on: device, rng: &rng)
        case .clockJump: jumpClock(of: device, rng: &rng)
        case .corruptStored: try corruptStored(on: device, rng: &rng)
        case .sync: try await sync(device, rng: &rng)
        case .pushBatch: try await pushBatch(from: device, rng: &rng)
        case .pullPage: try await pullPage(to: device, rng: &rng)
        case .replayPage: try replayPage(to: device, rng: &rng)
        case .reversedPages: try await reversedPages(to: device, rng: &rng)
        case .replayPushAnswer: try replayPushAnswer(to: device, rng: &rng)
        case .restart: try restart(device)
        case .lostAnswerThenPull: try await lostAnswerThenPull(device, rng: &rng)
        }
    }

    /// The app restarts: the replica is dropped and opened again from its file, its identity read back.
    private func restart(_ device: Int) throws {
        let before = try devices[device].replica.status()
        devices[device].replica = try LocalReplica.open(in: devices[device].directory, key: testDataKey)
        if devices[device].bootId.hasSuffix("-0") || elapsedMilliseconds % 3 == 0 {
            // The device itself restarts: its boot clock starts again, so its anchor holds no more.
            devices[device].bootId = "boot-\(devices[device].spec.deviceId)-\(elapsedMilliseconds)"
            devices[device].bootStartMilliseconds = startMilliseconds + elapsedMilliseconds
            log("reboots")
            count("reboots")
        }
        let after = try devices[device].replica.status()
        if after.identity != before.identity || after.pending != before.pending || after.pullCursor != before.pullCursor
        {
            fail("restart", "d\(device) reopened differs: \(before) before, \(after) after")
        }
        count("restarts")
        log("restarts: \(after.pending) pending, cursor \(after.pullCursor)")
    }

    /// The records on a device that are not redacted, in the device's order. A record whose content arrived
    /// already removed (its redaction not yet pulled) counts as redacted, as the device treats it.
    private func liveRecords(on device: Int) throws -> [RecordState] {
        try devices[device].replica.records().filter { !Self.isRedacted($0) }
    }

    private static func isRedacted(_ state: RecordState) -> Bool {
        if case .redacted = state.current { return true }
        return state.redaction != nil
    }

    private func createSighting(on device: Int, rng: inout SeededGenerator) throws {
        let spec = devices[device].spec
        let venueId = spec.role == .venueStaff ? spec.venueId : rng.chance(0.8) ? rng.pick(ConvergencePlan.venues) : nil
        let id = rng.uuid()
        let sighting = RecordFactory.sighting(
            id: id,
            reporter: spec.userId,
            now: try estimatedTime(of: device),
            venueId: venueId,
            rng: &rng
        )
        let label = newLabel(.sighting, id)
        append(
            .createSighting(sighting),
            recordId: id,
            on: device,
            expecting: .accepted,
            what: "creates sighting \(label) at \(venueId ?? sighting.location.place ?? "?")"
        )
    }

    private func createIntervention(on device: Int, rng: inout SeededGenerator) throws {
        let spec = devices[device].spec
        let sightings = try liveRecords(on: device).filter { $0.type == .sighting }
        let follows = !sightings.isEmpty && rng.chance(0.6) ? rng.pick(sightings).id : nil
        let venueId = spec.role == .venueStaff ? spec.venueId : rng.chance(0.8) ? rng.pick(ConvergencePlan.venues) : nil
        let id = rng.uuid()
        let intervention = RecordFactory.intervention(
            id: id,
            by: spec.userId,
            role: spec.role,
            following: follows,
            now: try estimatedTime(of: device),
            venueId: venueId,
            rng: &rng
        )
        let label = newLabel(.intervention, id)
        append(
            .createIntervention(intervention),
            recordId: id,
            on: device,
            expecting: .accepted,
            what: "creates intervention \(label)\(follows.map { " following \(self.label($0))" } ?? "")"
        )
    }

    private func createNote(on device: Int, rng: inout SeededGenerator) throws {
        let targets = try liveRecords(on: device).filter { $0.type != .note }
        guard !targets.isEmpty else { return log("has no record to write a note about") }
        let target = rng.pick(targets)
        let id = rng.uuid()
        let note = RecordFactory.note(
            id: id,
            about: target.id,
            author: devices[device].spec.userId,
            now: try estimatedTime(of: device),
            rng: &rng
        )
        let label = newLabel(.note, id)
        append(
            .createNote(note),
            recordId: id,
            on: device,
            expecting: .accepted,
            what: "writes note \(label) about \(self.label(target.id))"
        )
    }

    /// The device's user amends one of their own records or, a supervisor, anyone's (often someone else's).
    private func amend(on device: Int, rng: inout SeededGenerator) throws {
        let spec = devices[device].spec
        let live = try liveRecords(on: device)
        let own = live.filter { $0.original.author == spec.userId }
        let others = live.filter { $0.original.author != spec.userId }
        let candidates = spec.role == .supervisor && !others.isEmpty && (own.isEmpty || rng.chance(0.5)) ? others : own
        guard !candidates.isEmpty else { return log("has no record of its own to amend") }
        let target = rng.pick(candidates)
        let amendment = RecordFactory.amendment(
            of: target.current,
            role: spec.role,
            venueId: spec.venueId,
            now: try estimatedTime(of: device),
            rng: &rng
        )
        // The outcome the rules call for, judged against the record as it stands on the device. The scope of
        // venue staff is the venue a record was made at (a note: its record's), which never changes: every
        // record on their device is in it, whatever amendments did to its venue since; they may move a record
        // to no other venue, nor amend an intervention's actions to include a police action.
        var codes = Set<String>()
        if spec.role == .venueStaff {
            if amendment.field == .venue && amendment.value != spec.venueId { codes.insert("not-allowed") }
            if amendment.field == .actions && RecordFactory.includesPoliceAction(amendment.value) {
                codes.insert("not-allowed")
            }
        }
        do {
            try amendment.validate(against: target.current)
        } catch {
            codes.insert(error.code)
        }
        append(
            .amend(amendment),
            recordId: target.id,
            on: device,
            expecting: codes.isEmpty ? .accepted : .refused(codes),
            what:
                "amends \(target.original.author == spec.userId ? "" : "\(target.original.author)'s ")"
                + "\(label(target.id)) \(amendment.field.rawValue) = \(amendment.value.prefix(40).debugDescription)"
        )
    }

    private func setRegister(on device: Int, rng: inout SeededGenerator) throws {
        let live = try liveRecords(on: device)
        guard !live.isEmpty else { return log("has no record to review") }
        let target = rng.pick(live)
        let write = RecordFactory.registerWrite(
            linkable: live.map(\.id).filter { $0 != target.id },
            now: try estimatedTime(of: device),
            rng: &rng
        )
        let shown: String
        switch write {
        case .review(let status): shown = "review \(status.rawValue)"
        case .grading(let grading): shown = "grading \(grading?.code ?? "none")"
        case .retentionReview(let date): shown = "retention review \(date.map(WireCoding.formatDate) ?? "none")"
        case .link(let link, let present):
            shown = "\(present ? "link" : "unlink") \(link.kind.rawValue) \(label(link.target))"
        }
        append(
            .setRegister(write),
            recordId: target.id,
            on: device,
            expecting: .accepted,
            what: "sets \(shown) on \(label(target.id))"
        )
    }

    private func redact(on device: Int, rng: inout SeededGenerator) throws {
        let live = try liveRecords(on: device)
        guard !live.isEmpty else { return log("has no record to redact") }
        // Most often a record someone else made and has amended: the interesting race.
        let amended = live.filter { !$0.amendments.isEmpty && $0.original.author != devices[device].spec.userId }
        let target = !amended.isEmpty && rng.chance(0.6) ? rng.pick(amended) : rng.pick(live)
        append(
            .redact(RecordFactory.redaction(rng: &rng)),
            recordId: target.id,
            on: device,
            expecting: .accepted,
            what: "redacts \(label(target.id)) (\(target.amendments.count) amendments)"
        )
    }

    /// Tries one thing the device's user may not do.
    private func attemptForbidden(on device: Int, rng: inout SeededGenerator) throws {
        let spec = devices[device].spec
        let states = try devices[device].replica.records()
        let live = states.filter { !Self.isRedacted($0) }
        let redacted = states.filter(Self.isRedacted)
        let now = try estimatedTime(of: device)
        var options: [(what: String, payload: OperationPayload, recordId: UUID, codes: Set<String>)] = []
        // A supervisor may amend anyone's record; everyone else only their own.
        let othersRecords = live.filter { $0.original.author != spec.userId }
        if spec.role != .supervisor, !othersRecords.isEmpty {
            let target = rng.pick(othersRecords)
            let field = rng.pick(AmendableField.allCases.filter { $0.recordTypes.contains(target.type) })
            let amendment = Amendment(
                field: field,
                value: field.value(in: target.current),
                reason: "Corrected by someone else"
            )
            options.append(
                (
                    "amends \(label(target.id)) made by another user", .amend(amendment), target.id,
                    // Venue staff see police actions and outcomes as values nobody may record (docs/access.md):
                    // the value's own refusal may come first.
                    ["police-attended", "not-shared"].contains(where: amendment.value.contains)
                        ? ["not-allowed", "projection-only"] : ["not-allowed"]
                )
            )
        }
        if spec.role != .supervisor, !live.isEmpty {
            let target = rng.pick(live)
            options.append(
                (
                    "reviews \(label(target.id)) without being a supervisor", .setRegister(.review(.reviewed)),
                    target.id,
                    ["not-allowed"]
                )
            )
            options.append(
                (
                    "redacts \(label(target.id)) without being a supervisor",
                    .redact(RecordFactory.redaction(rng: &rng)),
                    target.id, ["not-allowed"]
                )
            )
        }
        if spec.role == .venueStaff {
            let id = rng.uuid()
            let elsewhere = ConvergencePlan.venues.filter { $0 != spec.venueId }
            let sighting = RecordFactory.sighting(
                id: id,
                reporter: spec.userId,
                now: now,
                venueId: rng.pick(elsewhere),
                rng: &rng
            )
            options.append(("records a sighting at another venue", .createSighting(sighting), id, ["not-allowed"]))
            let interventionId = rng.uuid()
            var intervention = RecordFactory.intervention(
                id: interventionId,
                by: spec.userId,
                role: spec.role,
                following: nil,
                now: now,
                venueId: spec.venueId,
                rng: &rng
            )
            intervention.actions.append(.arrest)
            options.append(
                ("records a police action", .createIntervention(intervention), interventionId, ["not-allowed"])
            )
            let ownInterventions = live.filter { $0.type == .intervention && $0.original.author == spec.userId }
            if !ownInterventions.isEmpty {
                let target = rng.pick(ownInterventions)
                let police = rng.pick(RecordFactory.policeActions)
                let venueActions = RecordFactory.actions(for: .venueStaff)
                let actions = rng.subset(of: venueActions, count: 0...2) + [police]
                options.append(
                    (
                        "amends the actions of \(label(target.id)) to include \(police.rawValue)",
                        .amend(
                            Amendment(
                                field: .actions,
                                value: actions.map(\.rawValue).joined(separator: ","),
                                reason: "Added what happened next"
                            )
                        ), target.id, ["not-allowed"]
                    )
                )
            }
        }
        let ownRedacted = redacted.filter { $0.original.author == spec.userId && $0.type != .note }
        if !ownRedacted.isEmpty {
            let target = rng.pick(ownRedacted)
            options.append(
                (
                    "amends its own redacted \(label(target.id))",
                    .amend(Amendment(field: .place, value: "Bold Street", reason: "Late correction")), target.id,
                    ["record-redacted"]
                )
            )
        }
        let notes = live.filter { $0.type == .note }
        if !notes.isEmpty {
            let target = rng.pick(notes)
            let id = rng.uuid()
            options.append(
                (
                    "writes a note about note \(label(target.id))",
                    .createNote(
                        RecordFactory.note(id: id, about: target.id, author: spec.userId, now: now, rng: &rng)
                    ), id, ["unknown-record"]
                )
            )
        }
        let redactedParents = redacted.filter { $0.type != .note }
        if !redactedParents.isEmpty {
            let target = rng.pick(redactedParents)
            let id = rng.uuid()
            options.append(
                (
                    "writes a note about redacted \(label(target.id))",
                    .createNote(
                        RecordFactory.note(id: id, about: target.id, author: spec.userId, now: now, rng: &rng)
                    ), id, ["record-redacted"]
                )
            )
            if spec.role == .supervisor {
                options.append(
                    (
                        "reviews redacted \(label(target.id))", .setRegister(.review(.inReview)), target.id,
                        ["record-redacted"]
                    )
                )
            }
        }
        let id = rng.uuid()
        options.append(
            (
                "writes a note about a record it does not hold",
                .createNote(RecordFactory.note(id: id, about: rng.uuid(), author: spec.userId, now: now, rng: &rng)),
                id, ["unknown-record"]
            )
        )
        let attempt = rng.pick(options)
        append(
            attempt.payload,
            recordId: attempt.recordId,
            on: device,
            expecting: .refused(attempt.codes),
            what: attempt.what
        )
    }

    private func jumpClock(of device: Int, rng: inout SeededGenerator) {
        let old = devices[device].skewMilliseconds
        let limit = ConvergencePlan.maxSkewMilliseconds
        let new: Int64
        if rng.chance(0.2) {
            // Set hours wrong, or (a wrong clock) set right.
            new = abs(old) > limit ? rng.int64(-2000...2000) : ConvergencePlan.skew(&rng)
        } else {
            // Mostly backwards: the case a hybrid logical clock exists for.
            new = rng.chance(0.7) ? rng.int64(-limit...max(old, -limit)) : rng.int64(-limit...limit)
        }
        devices[device].skewMilliseconds = new
        log("clock set from \(Skew.format(old)) to \(Skew.format(new))")
        count("clock-jumps")
    }

    /// Appends on a device and checks the outcome against the expectation.
    private func append(
        _ payload: OperationPayload,
        recordId: UUID,
        on device: Int,
        expecting expectation: Expectation,
        what: String
    ) {
        let replica = devices[device].replica
        let now: Date
        do {
            now = try estimatedTime(of: device)
        } catch {
            return fail("error", "d\(device) \(what): the estimated time cannot be read: \(error)")
        }
        do {
            let operation = try replica.append(payload, recordId: recordId, now: deviceTime(of: device))
            recorded[devices[device].spec.deviceId, default: []].append(RecordedContent(operation))
            count("append.\(operation.kind.rawValue)")
            log("\(what): stored at \(operation.hlc)")
            if case .refused(let codes) = expectation {
                fail(
                    "rules",
                    "d\(device) \(what): stored, but the rules refuse it (\(codes.sorted().joined(separator: " or ")))"
                )
            }
        } catch let error as ReplicaError {
            let code = Self.code(of: error)
            count("refused.\(code)")
            log("\(what): refused, \(code)")
            if code == "clock-ahead" {
                // Justified only if the device's clock stamp really is that far ahead of its wall clock.
                checkClockAhead(on: device, now: now, what: what)
                return
            }
            switch expectation {
            case .accepted:
                fail("rules", "d\(device) \(what): refused with \(code) (\(error)), though the rules allow it")
            case .refused(let codes) where !codes.contains(code):
                fail(
                    "rules",
                    "d\(device) \(what): refused with \(code), expected \(codes.sorted().joined(separator: " or "))"
                )
            case .refused:
                break
            }
        } catch {
            fail("error", "d\(device) \(what): \(error)")
        }
    }

    private func checkClockAhead(on device: Int, now: Date, what: String) {
        let latest = try? devices[device].replica.read { db in
            try Int64.fetchOne(db, sql: "SELECT clock FROM syncState")
        }
        var clock = HybridLogicalClock(latest: HLCTimestamp(rawValue: (latest ?? nil) ?? 0))
        let stamp = clock.tick(wallMilliseconds: now.millisecondsSince1970)
        if stamp.date.timeIntervalSince(now) <= allowedClockSkew {
            fail("rules", "d\(device) \(what): refused as clock-ahead, but its stamp \(stamp) is within the tolerance")
        }
    }

    static func code(of error: ReplicaError) -> String {
        switch error {
        case .invalid(let validation): validation.code
        case .notAllowed: "not-allowed"
        case .unknownRecord: "unknown-record"
        case .notInitialised, .alreadyInitialised, .unusableDirectory, .locked, .wrongKey, .notEncrypted,
            .damagedContent, .damaged, .readOnly:
            "\(error)"
        }
    }

    // MARK: Syncs

    private func sync(_ device: Int, rng: inout SeededGenerator) async throws {
        let transport = devices[device].transport
        transport.setChaos(seed: rng.next())
        defer { transport.setChaos(seed: nil) }
        let engine = SyncEngine(
            replica: devices[device].replica,
            transport: transport,
            pushBatchSize: rng.int(1...6),
            pullPageSize: rng.int(1...6),
            retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: 0, maxDelay: 0),
            clock: { [time = deviceTime(of: device)] in time }
        )
        do {
            let report = try await engine.sync()
            count("sync.completed")
            log(
                "syncs (batches of \(engine.pushBatchSize), pages of \(engine.pullPageSize)): pushed \(report.pushed), "
                    + "rejected \(report.rejected.count), received \(report.received), \(report.pulled) new"
            )
        } catch let error as SyncError {
            count("sync.failed")
            log("sync fails: \(error)")
        }
    }

    private func pushBatch(from device: Int, rng: inout SeededGenerator) async throws {
        let replica = devices[device].replica
        let batch = try replica.outboxBatch(maxOperations: rng.int(1...4))
        guard !batch.isEmpty else { return log("has nothing to push") }
        let transport = devices[device].transport
        transport.setChaos(seed: rng.next())
        defer { transport.setChaos(seed: nil) }
        let response: PushResponse
        do {
            response = try await transport.push(deviceId: devices[device].spec.deviceId, batch: batch)
        } catch {
            count("partial-push.failed")
            return log("pushes \(batch.operationIds.count) by hand: fails, \(error)")
        }
        try replica.applyPushResponse(response, heardAt: deviceTime(of: device))
        count("partial-push")
        log(
            "pushes \(batch.operationIds.count) by hand: \(response.accepted.count) accepted, \(response.rejected.count) rejected"
        )
        if rng.chance(0.2) {
            try replica.applyPushResponse(response, heardAt: deviceTime(of: device))
            log("applies that answer twice")
        }
    }

    private func pullPage(to device: Int, rng: inout SeededGenerator) async throws {
        let replica = devices[device].replica
        let cursor = try replica.pullCursor()
        let transport = devices[device].transport
        transport.setChaos(seed: rng.next())
        defer { transport.setChaos(seed: nil) }
        let page: PullResponse
        do {
            page = try await transport.pull(after: cursor, limit: rng.int(1...5))
        } catch {
            count("partial-pull.failed")
            return log("pulls a page by hand after \(cursor): fails, \(error)")
        }
        let new = try replica.applyPulledPage(page, heardAt: deviceTime(of: device))
        count("partial-pull")
        log("pulls a page by hand: (\(cursor), \(page.cursor)], \(page.operations.count) operations, \(new) new")
        if rng.chance(0.25) {
            try replica.applyPulledPage(page, heardAt: deviceTime(of: device))
            log("applies that page twice")
        }
    }

    /// Pushes a batch whose answer is lost after the server stored it, then pulls page by page until the
    /// server has nothing more: the device's own operations come back while still pending.
    private func lostAnswerThenPull(_ device: Int, rng: inout SeededGenerator) async throws {
        let replica = devices[device].replica
        let batch = try replica.outboxBatch(maxOperations: rng.int(1...6))
        guard !batch.isEmpty else { return log("has nothing to push") }
        let body = try WireAssembly.pushRequest(
            deviceId: devices[device].spec.deviceId,
            encodedOperations: batch.encodedOperations
        )
        guard let server else { return }
        _ = try await server.push(body: body, by: devices[device].spec.caller)
        count("lost-answer-then-pull")
        var pages = 0
        var new = 0
        while true {
            let cursor = try replica.pullCursor()
            let page = try await devices[device].transport.pull(after: cursor, limit: rng.int(1...4))
            new += try replica.applyPulledPage(page, heardAt: deviceTime(of: device))
            pages += 1
            if !page.hasMore { break }
        }
        let pending = try replica.status().pending
        log(
            "pushes \(batch.operationIds.count), the answer is lost; pulls \(pages) pages, \(new) new, \(pending) pending"
        )
    }

    /// Delivers again a page handed out earlier, to this device or another, that does not skip anything this
    /// device has not seen (it starts at or before the device's cursor); its content may be stale.
    private func replayPage(to device: Int, rng: inout SeededGenerator) throws {
        let replica = devices[device].replica
        let cursor = try replica.pullCursor()
        // Only a page handed to a caller who may see the same records: a server never hands one caller's page
        // to another, and venue staff get pages of their scope only.
        // A page that left out a device's own operations is that device's alone, and only while it holds them.
        let caller = devices[device].spec.caller
        let scopes =
            [PullScope(caller)] + (try replica.holdsOwnOperations() ? [PullScope(caller, omittingOwn: true)] : [])
        let candidates = server?.deliveredPages.filter { $0.after <= cursor && scopes.contains($0.scope) } ?? []
        guard !candidates.isEmpty else { return log("has no earlier page to replay") }
        let page = rng.pick(candidates)
        let new = try replica.applyPulledPage(
            page.response,
            heardAt: deviceTime(of: device),
            omittedOwn: page.scope != PullScope(caller)
        )
        count("page-replayed")
        log("gets an earlier page again: (\(page.after), \(page.response.cursor)], \(new) new")
    }

    /// Pulls two consecutive pages and applies the later one first.
    private func reversedPages(to device: Int, rng: inout SeededGenerator) async throws {
        let replica = devices[device].replica
        let transport = devices[device].transport
        let cursor = try replica.pullCursor()
        let limit = rng.int(1...3)
        do {
            let first = try await transport.pull(after: cursor, limit: limit)
            guard first.hasMore else {
                try replica.applyPulledPage(first, heardAt: deviceTime(of: device))
                return log("pulls (\(cursor), \(first.cursor)]: a single page, nothing to reorder")
            }
            let second = try await transport.pull(after: first.cursor, limit: limit)
            let newLater = try replica.applyPulledPage(second, heardAt: deviceTime(of: device))
            let newEarlier = try replica.applyPulledPage(first, heardAt: deviceTime(of: device))
            count("pages-reversed")
            log(
                "applies (\(first.cursor), \(second.cursor)] (\(newLater) new) before (\(cursor), \(first.cursor)] "
                    + "(\(newEarlier) new)"
            )
        } catch let error as SyncError {
            log("pulls two pages: fails, \(error)")
        }
    }

    private func replayPushAnswer(to device: Int, rng: inout SeededGenerator) throws {
        let answers = devices[device].transport.pushAnswers
        guard !answers.isEmpty else { return log("has no earlier push answer") }
        let answer = rng.pick(answers)
        try devices[device].replica.applyPushResponse(answer, heardAt: deviceTime(of: device))
        count("push-answer-replayed")
        log("gets an earlier push answer again (\(answer.accepted.count) accepted)")
    }

    /// Syncs every device twice in turn without faults, so that everyone sees everything; false on failure.
    private func finalSync() async throws -> Bool {
        for round in 1...2 {
            for (index, device) in devices.enumerated() {
                device.transport.setChaos(seed: nil)
                do {
                    let time = deviceTime(of: index)
                    let report = try await SyncEngine(
                        replica: device.replica,
                        transport: device.transport,
                        clock: { time }
                    ).sync()
                    log(
                        "round \(round) d\(index): pushed \(report.pushed), rejected \(report.rejected.count), "
                            + "received \(report.received), \(report.pulled) new"
                    )
                } catch {
                    fail("final-sync", "d\(index)'s final sync (round \(round)) failed: \(error)")
                    return false
                }
            }
        }
        return true
    }
}
