import Foundation
import Models
import Sync
import Testing

/// Minimisation: what a person leaves out of a record is recorded as unknown, or not at all — a default never
/// invents an observation about the subject or the woman at risk.
@Suite("Command line: record defaults")
struct RecordDefaultsCLITests {
    /// An officer's device enrolled through a real server that has stopped since.
    private func makeDevice() throws -> URL {
        let server = try ServeProcess()
        defer { server.stop() }
        return try server.enrolDevice(
            "dev-cli-defaults",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
    }

    /// The sighting that `sighting add` with `arguments` stored on the device, as it will be sent.
    private func recordedSighting(_ arguments: [String], on device: URL) throws -> Sighting {
        let added = try CLIRunner.run(["sighting", "add"] + arguments + ["--data", device.path])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let id = try #require(UUID(uuidString: added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let operations = try LocalReplica.open(in: device, key: try unlockedKey(of: device)).allOperations()
        let sightings = operations.compactMap { operation -> Sighting? in
            guard operation.recordId == id, case .createSighting(let sighting) = operation.payload else { return nil }
            return sighting
        }
        return try #require(sightings.first, "no create-sighting operation for \(id)")
    }

    @Test("a sighting with only what is required records every description as unknown or not recorded")
    func defaultsRecordUnknown() throws {
        let device = try makeDevice()
        let sighting = try recordedSighting(
            ["--venue", "venue-concert-sq-01", "--behaviour", "following", "--risk", "low"],
            on: device
        )
        #expect(sighting.subject == SubjectDescription())
        #expect(sighting.subject.sex == .unknown)
        #expect(sighting.subject.ageBand == .unknown)
        #expect(sighting.subject.heightBand == .unknown)
        #expect(sighting.subject.build == .unknown)
        #expect(sighting.subject.clothing == nil && sighting.subject.distinguishingFeatures == nil)
        #expect(sighting.subject.perceivedEthnicity == nil)
        #expect(sighting.personAtRisk.ageBand == .unknown)
        #expect(sighting.personAtRisk.appearedIntoxicated == nil)
        #expect(sighting.personAtRisk.wasAlone == nil)
        #expect(sighting.otherBehaviour == nil)
        #expect(sighting.narrative.isEmpty)

        let shown = try CLIRunner.run(["show", sighting.id.uuidString.lowercased(), "--data", device.path])
        #expect(shown.stdout.contains("subject    unknown, unknown, unknown, unknown"), "show: \(shown.stdout)")
        #expect(shown.stdout.contains("at risk    age unknown  [fact]\n"), "show: \(shown.stdout)")
    }

    @Test("what the reporter says is recorded, a no as plainly as a yes")
    func statedValuesAreRecorded() throws {
        let device = try makeDevice()
        let sighting = try recordedSighting(
            [
                "--venue", "venue-concert-sq-01", "--behaviour", "following", "--risk", "low", "--subject-sex", "male",
                "--at-risk-intoxicated", "--no-at-risk-alone",
            ],
            on: device
        )
        #expect(sighting.subject.sex == .male)
        #expect(sighting.personAtRisk.appearedIntoxicated == true)
        #expect(sighting.personAtRisk.wasAlone == false)
    }
}
