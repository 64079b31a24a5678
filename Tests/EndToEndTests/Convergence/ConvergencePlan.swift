import Foundation
import Models
import TestSupport

/// One device of a generated case: who uses it and how wrong its clock starts.
struct DeviceSpec: Sendable, Hashable, CustomStringConvertible {
    var deviceId: String
    var userId: String
    var role: Role
    /// The venue of a member of venue staff.
    var venueId: String?
    /// How far the device's wall clock is from the true time at the start, in milliseconds: within a few
    /// minutes, or — a wrong clock — hours ahead or behind.
    var skewMilliseconds: Int64

    var description: String {
        "\(deviceId) \(userId) \(role.rawValue)\(venueId.map { " at \($0)" } ?? ""), clock \(Skew.format(skewMilliseconds))"
    }
}

/// What a step of a case does. Each step draws its details (which record, which field, which faults)
/// from its own seed when it runs, against the state of the devices at that moment, so that removing
/// steps while shrinking leaves the others meaningful.
enum StepKind: String, Sendable, CaseIterable {
    case createSighting = "create-sighting"
    case createIntervention = "create-intervention"
    case createNote = "create-note"
    /// The device's user amends one of their own records.
    case amend
    /// A supervisor writes a register: review, grading, retention review or a link.
    case setRegister = "set-register"
    /// A supervisor redacts a record, possibly one that its author is still amending.
    case redact
    /// The device tries something its user may not do; the replica must refuse it.
    case forbidden
    /// The device's wall clock is set to another time: within the skew, often backwards; hours wrong; or right.
    case clockJump = "clock-jump"
    /// A byte of one stored value on the device changes: an operation waiting to be sent, or a merged record.
    case corruptStored = "corrupt-stored"
    /// A whole sync through `SyncEngine`, over a transport that injects faults.
    case sync
    /// One push batch, its answer applied by hand (and sometimes applied twice).
    case pushBatch = "push-batch"
    /// One pull page, applied by hand (and sometimes applied twice).
    case pullPage = "pull-page"
    /// A page handed out earlier, to this or another device, delivered again.
    case replayPage = "replay-page"
    /// Two consecutive pages, the later applied first.
    case reversedPages = "reversed-pages"
    /// A push answer this device got earlier, applied again.
    case replayPushAnswer = "replay-push-answer"
    /// The app restarts: the replica is opened again from its file.
    case restart
    /// A push whose answer is lost after the server stored it, then pulls until nothing more waits, so the
    /// device's own pending operations come back in pages before any answer.
    case lostAnswerThenPull = "lost-answer-then-pull"
}

/// One step: what, on which device, and the seed of its details.
struct Step: Sendable, Hashable {
    var kind: StepKind
    var device: Int
    var seed: UInt64
}

/// A whole case, generated from one seed: the devices and the steps. The final sync and checks follow.
struct ConvergencePlan: Sendable {
    var seed: UInt64
    /// The case's number in its run, when it comes from a run (nil for a replay).
    var caseNumber: Int?
    var devices: [DeviceSpec]
    var steps: [Step]

    static let maxSkewMilliseconds: Int64 = 4 * 60 * 1000
    /// The most a wrong wall clock is off by.
    static let maxWrongClockMilliseconds: Int64 = 3 * 3_600_000

    /// A skew within a few minutes, or sometimes an hour or more either way.
    static func skew(_ rng: inout SeededGenerator) -> Int64 {
        guard rng.chance(0.25) else { return rng.int64(-maxSkewMilliseconds...maxSkewMilliseconds) }
        let hours = rng.int64(3_600_000...maxWrongClockMilliseconds)
        return rng.chance(0.5) ? hours : -hours
    }

    static let venues = ["venue-concert-sq-01", "venue-seel-st-03", "venue-bold-st-02"]

    /// How often each kind of step is chosen.
    private static let weights: [(StepKind, Int)] = [
        (.createSighting, 13), (.createIntervention, 8), (.createNote, 7), (.amend, 16), (.setRegister, 7),
        (.redact, 5), (.forbidden, 3), (.clockJump, 3), (.sync, 14), (.pushBatch, 8), (.pullPage, 8),
        (.replayPage, 4), (.reversedPages, 4), (.replayPushAnswer, 2), (.restart, 2),
        (.lostAnswerThenPull, 3), (.corruptStored, 2),
    ]

    init(seed: UInt64, caseNumber: Int?, steps stepRange: ClosedRange<Int>) {
        self.seed = seed
        self.caseNumber = caseNumber
        var rng = SeededGenerator(seed: seed)
        let deviceCount = rng.int(2...5)
        var devices: [DeviceSpec] = []
        for index in 0..<deviceCount {
            let role: Role
            if index == 0 {
                role = rng.chance(0.75) ? .supervisor : .officer
            } else if index == 1 && deviceCount >= 3 && rng.chance(0.15) {
                role = .supervisor
            } else {
                role = rng.chance(0.3) ? .venueStaff : .officer
            }
            let userId: String
            switch role {
            case .supervisor: userId = "PS-20\(index)\(rng.int(0...9))"
            case .venueStaff: userId = "SIA-1012-00\(index)\(rng.int(0...9))"
            case .officer, .admin: userId = "PC-41\(index)\(rng.int(0...9))"
            }
            devices.append(
                DeviceSpec(
                    deviceId: "dev-\(index)-\(String(rng.next() % 0xFFFF, radix: 16))",
                    userId: userId,
                    role: role,
                    venueId: role == .venueStaff ? rng.pick(Self.venues) : nil,
                    skewMilliseconds: Self.skew(&rng)
                )
            )
        }
        self.devices = devices
        let supervisors = devices.indices.filter { devices[$0].role == .supervisor }
        var steps: [Step] = []
        for index in 0..<rng.int(stepRange) {
            var kind = index == 0 ? .createSighting : rng.weighted(Self.weights)
            var device = rng.int(0...(deviceCount - 1))
            if kind == .setRegister || kind == .redact {
                if supervisors.isEmpty {
                    kind = .createSighting
                } else {
                    device = rng.pick(supervisors)
                }
            }
            steps.append(Step(kind: kind, device: device, seed: rng.next()))
        }
        self.steps = steps
    }

    /// The same case with other steps.
    func with(steps: [Step]) -> ConvergencePlan {
        var plan = self
        plan.steps = steps
        return plan
    }

    var description: String {
        let number = caseNumber.map { "case #\($0), " } ?? ""
        return "\(number)seed \(SeedText.format(seed)): \(devices.count) devices, \(steps.count) steps\n"
            + devices.enumerated().map { "  d\($0.offset): \($0.element)" }.joined(separator: "\n")
    }
}

enum Skew {
    static func format(_ milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : "+"
        let magnitude = abs(milliseconds)
        let seconds = String(format: "%02d", Int(magnitude / 1000 % 60))
        if magnitude >= 3_600_000 { return "\(sign)\(magnitude / 3_600_000)h\(magnitude / 60000 % 60)m\(seconds)s" }
        return "\(sign)\(magnitude / 60000)m\(seconds)s"
    }
}
