import Foundation
import Synchronization
import TestSupport
import Testing

/// DESIGN's central guarantee as a property: whatever the devices record, however their clocks are wrong and
/// however sync is scheduled, repeated, lost, split or reordered, once every device has synced in full every
/// replica holds exactly the central store's records and operations — a police role's all of them, venue staff's
/// those of the records made at their venue.
///
/// Each case is generated from a seed: 2 to 5 devices (often one supervisor, sometimes two, sometimes venue
/// staff), each a real `LocalReplica` on a real SQLite file, one real `SQLiteCentralStore` reached as each
/// device's caller, and random steps — creates, amendments by the author or a supervisor, register writes and
/// redactions by supervisors, forbidden attempts (police actions by venue staff among them), clock jumps, whole syncs
/// through `SyncEngine` over a transport that injects faults, and partial syncs by hand (one batch, one page,
/// old pages and push answers again, consecutive pages in reverse order).
///
/// Environment:
/// - `EMPOWER_PROPERTY_CASES`: how many cases (default 1000); `100000` for a stress run by hand.
/// - `EMPOWER_PROPERTY_SEED`: replays the one case with this seed (printed on failure).
/// - `EMPOWER_PROPERTY_BASE_SEED`: the seed of the whole run (printed in the summary); fixed by default, so the
///   same commit always runs the same cases; `random` for a fresh run by hand.
/// - `EMPOWER_PROPERTY_WORKERS`: cases run at once (default: the number of processors, at least 2).
@Suite("Replicas converge: property")
struct ConvergencePropertyTests {
    @Test("every replica ends equal to the central store, whatever the steps, clocks, faults and sync order")
    func replicasConverge() async throws {
        let configuration = PropertyConfiguration.fromEnvironment()
        let scratch = try PropertyConfiguration.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let started = ContinuousClock.now
        let result = await PropertyRunner.run(configuration, in: scratch)
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print(result.summary(configuration, seconds: seconds))

        let unknown = result.failures
        for failing in unknown.prefix(PropertyRunner.reportedFailures) {
            let shrunk = await PropertyRunner.shrink(failing, in: scratch)
            Issue.record(Comment(rawValue: PropertyRunner.report(original: failing, shrunk: shrunk)))
        }
        if unknown.count > PropertyRunner.reportedFailures {
            let more = unknown.dropFirst(PropertyRunner.reportedFailures).map {
                "#\($0.plan.caseNumber ?? 0) \(SeedText.format($0.plan.seed)) "
                    + "(\(Set($0.failures.map(\.check)).sorted().joined(separator: ", ")))"
            }
            Issue.record(Comment(rawValue: "\(more.count) more failing cases: \(more.joined(separator: ", "))"))
        }
    }
}

/// How a run is set up, from the environment.
struct PropertyConfiguration: Sendable {
    var cases: Int
    var baseSeed: UInt64
    /// The one case to replay, if any.
    var replaySeed: UInt64?
    var workers: Int

    /// Steps per case: small cases keep a thousand of them quick in a debug build, and shrink well.
    static let steps = 4...28

    static func fromEnvironment() -> PropertyConfiguration {
        let environment = ProcessInfo.processInfo.environment
        return PropertyConfiguration(
            cases: environment["EMPOWER_PROPERTY_CASES"].flatMap { Int($0) }.map { max(1, $0) } ?? 1000,
            baseSeed: SeedText.fromEnvironment("EMPOWER_PROPERTY_BASE_SEED", default: 0xE3B0_5EED_C0DE_0001),
            replaySeed: environment["EMPOWER_PROPERTY_SEED"].flatMap(SeedText.parse),
            workers: environment["EMPOWER_PROPERTY_WORKERS"].flatMap { Int($0) }.map { max(1, $0) }
                ?? max(2, ProcessInfo.processInfo.activeProcessorCount)
        )
    }

    /// A fresh directory for the run's files: on `/dev/shm` when there is one (real files on tmpfs, where a
    /// sync to disk costs nothing), else in the temporary directory.
    static func scratchDirectory() throws -> URL {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let parent =
            FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let directory = parent.appendingPathComponent("empower-convergence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// Runs the cases of a run on a few workers, and shrinks and reports failing ones.
enum PropertyRunner {
    /// Failing cases shrunk and reported in full; the rest are listed by seed.
    static let reportedFailures = 3

    struct Result: Sendable {
        var failures: [CaseOutcome] = []
        var counts: [String: Int] = [:]

        mutating func add(_ outcome: CaseOutcome) {
            for (key, value) in outcome.counts { counts[key, default: 0] += value }
            if !outcome.failures.isEmpty { failures.append(outcome) }
        }

        func summary(_ configuration: PropertyConfiguration, seconds: Double) -> String {
            let cases = counts["cases", default: 0]
            let perCase = cases == 0 ? 0 : seconds * 1000 / Double(cases)
            let run =
                configuration.replaySeed.map { "replay of seed \(SeedText.format($0))" }
                ?? "base seed \(SeedText.format(configuration.baseSeed))"
            var lines = [
                "Convergence property: \(cases) cases (\(run)), \(failures.count) failing, "
                    + String(format: "%.1f s on %d workers, %.1f ms per case", seconds, configuration.workers, perCase)
            ]
            var failing: [String: Int] = [:]
            for failure in failures.flatMap(\.failures) {
                failing[failure.knownIssue.map { _ in "\(failure.check), known" } ?? failure.check, default: 0] += 1
            }
            if !failing.isEmpty {
                lines.append(
                    "  failing checks: "
                        + failing.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                )
            }
            let groups = Dictionary(grouping: counts.keys.sorted()) {
                $0.split(separator: ".").first.map(String.init) ?? $0
            }
            for group in groups.keys.sorted() {
                let keys = groups[group]!
                lines.append("  " + keys.map { "\($0) \(counts[$0]!)" }.joined(separator: ", "))
            }
            return lines.joined(separator: "\n")
        }
    }

    static func run(_ configuration: PropertyConfiguration, in scratch: URL) async -> Result {
        if let seed = configuration.replaySeed {
            var result = Result()
            let plan = ConvergencePlan(seed: seed, caseNumber: nil, steps: PropertyConfiguration.steps)
            result.add(await ConvergenceCase.run(plan, in: scratch))
            return result
        }
        let next = CaseCounter()
        return await withTaskGroup(of: Result.self) { group in
            for _ in 0..<configuration.workers {
                group.addTask {
                    var result = Result()
                    while true {
                        let number = next.take()
                        guard number < configuration.cases else { break }
                        if configuration.cases >= 10000 && number > 0 && number % (configuration.cases / 10) == 0 {
                            print("Convergence property: case \(number) of \(configuration.cases) started")
                        }
                        let plan = ConvergencePlan(
                            seed: SeededGenerator.caseSeed(base: configuration.baseSeed, caseNumber: number),
                            caseNumber: number,
                            steps: PropertyConfiguration.steps
                        )
                        result.add(await ConvergenceCase.run(plan, in: scratch))
                    }
                    return result
                }
            }
            var total = Result()
            for await partial in group {
                for (key, value) in partial.counts { total.counts[key, default: 0] += value }
                total.failures += partial.failures
            }
            total.failures.sort { ($0.plan.caseNumber ?? 0) < ($1.plan.caseNumber ?? 0) }
            return total
        }
    }

    /// Removes steps while the case still fails the same check: halves, then quarters, down to single steps.
    static func shrink(_ outcome: CaseOutcome, in scratch: URL, budget: Int = 150) async -> CaseOutcome {
        guard let check = outcome.failures.first(where: { $0.knownIssue == nil })?.check else { return outcome }
        var best = outcome
        var runs = 0
        var chunk = max(1, best.plan.steps.count / 2)
        while runs < budget {
            var index = 0
            while index < best.plan.steps.count && runs < budget {
                var steps = best.plan.steps
                steps.removeSubrange(index..<min(index + chunk, steps.count))
                let candidate = await ConvergenceCase.run(best.plan.with(steps: steps), in: scratch)
                runs += 1
                if candidate.failures.contains(where: { $0.check == check && $0.knownIssue == nil }) {
                    best = candidate
                } else {
                    index += chunk
                }
            }
            if chunk == 1 { break }
            chunk = max(1, chunk / 2)
        }
        return best
    }

    static func report(original: CaseOutcome, shrunk: CaseOutcome) -> String {
        let seed = SeedText.format(original.plan.seed)
        var lines = [
            "Replicas diverged in \(original.plan.description)",
            "Replay: EMPOWER_PROPERTY_SEED=\(seed) swift test --skip-build --filter ConvergencePropertyTests",
            "(for the same hash order too, add SWIFT_DETERMINISTIC_HASHING=1)",
            "Failures:",
        ]
        lines += original.failures.map { "  \($0)" }
        if shrunk.plan.steps.count < original.plan.steps.count {
            lines.append(
                "Shrunk to \(shrunk.plan.steps.count) of \(original.plan.steps.count) steps "
                    + "(\(shrunk.plan.steps.map { "\($0.kind.rawValue) d\($0.device)" }.joined(separator: ", "))), failing:"
            )
            lines += shrunk.failures.map { "  \($0)" }
        }
        lines.append(shrunk.plan.steps.count < original.plan.steps.count ? "Trace of the shrunk case:" : "Trace:")
        lines += shrunk.trace.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Hands out case numbers to the workers.
private final class CaseCounter: Sendable {
    private let next = Mutex(0)

    func take() -> Int {
        next.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// Bugs found by this property and reported; a failure that is an instance of one is recorded as a known issue.
