import Foundation
import Models
import Testing

@Suite("Fact or assessment")
struct FieldClassificationTests {
    /// The paths of every value in a JSON object, objects descended into (arrays, a location and a grading are one
    /// field each).
    private func leafPaths(_ value: Any, prefix: String) -> [String] {
        guard let object = value as? [String: Any], !prefix.hasSuffix(".location"), !prefix.hasSuffix(".locality"),
            prefix != "registers.grading"
        else { return [prefix] }
        return object.flatMap { key, inner in leafPaths(inner, prefix: "\(prefix).\(key)") }
    }

    private func paths(of record: some Encodable, as type: String) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: try WireCoding.makeEncoder().encode(record))
        return leafPaths(json, prefix: type)
    }

    @Test("every field of every record, filled in full, is classified")
    func everyFieldIsClassified() throws {
        var dispersal = Fixture.intervention(sightingId: UUID())
        dispersal.authorisationId = UUID()
        dispersal.outsideAuthorisation = false
        var registers = RecordRegisters()
        registers.grading = IntelligenceGrading(code: "2-B-P")
        registers.retentionReviewOn = Fixture.now
        registers.links = [RecordLink(target: UUID(), kind: .sameSubject)]
        let paths =
            try paths(of: Fixture.fullSighting(), as: "sighting")
            + paths(of: dispersal, as: "intervention") + paths(of: Fixture.authorisation(), as: "authorisation")
            + paths(of: Fixture.note(), as: "note") + paths(of: registers, as: "registers")
        for path in paths {
            #expect(FieldClassification.basis(of: path) != nil, "\(path) is not classified as fact or assessment")
        }
        #expect(Set(paths) == Set(FieldClassification.fields.map(\.path)))
    }

    @Test(
        "observed indicators and actions are facts; risk, perceived ethnicity, grading and links are assessments",
        arguments: [
            ("sighting.behaviours", FieldBasis.fact), ("sighting.subject.sex", .fact),
            ("sighting.personAtRisk.appearedIntoxicated", .fact), ("intervention.actions", .fact),
            ("intervention.outcome", .fact), ("sighting.riskLevel", .assessment),
            ("sighting.subject.perceivedEthnicity", .assessment), ("registers.grading", .assessment),
            ("registers.links", .assessment), ("sighting.narrative", .account), ("note.text", .account),
            ("sighting.reporter", .recordKeeping),
        ]
    )
    func classification(_ path: String, _ basis: FieldBasis) {
        #expect(FieldClassification.basis(of: path) == basis)
    }

    @Test("the CSV header marks facts, assessments and accounts")
    func csvHeader() {
        let columns = RecordCSV.header.split(separator: ",").map(String.init)
        #expect(columns.contains("fact:behaviours"))
        #expect(columns.contains("assessment:riskLevel"))
        #expect(columns.contains("fact:actions"))
        #expect(columns.contains("account:text"))
        #expect(columns.first == "id")
    }

    @Test("a JSON record list carries the classification")
    func recordListCarriesIt() throws {
        let json = try JSONSerialization.jsonObject(with: WireCoding.makeEncoder().encode(RecordList(records: [])))
        let basis = (json as? [String: Any])?["fieldBasis"] as? [String: String]
        #expect(basis?["sighting.riskLevel"] == "assessment")
        #expect(basis?["sighting.behaviours"] == "fact")
    }
}
