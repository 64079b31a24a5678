import Foundation
import Models
import Testing

@Suite("StreetSafe files: parsed, coarsened, free text dropped, bad rows named by line")
struct StreetSafeFileTests {
    @Test("a CSV is read in any column order; free text is dropped; times cut to the hour, places to ~100 m")
    func csvIsCoarsened() throws {
        let text = """
            reasons,description,longitude,time,latitude
            "being-followed;poor-lighting","He said ""hello"", then followed me",-2.98012,2026-11-21T23:41:17Z,53.40341
            other,,-3.0058,2026-11-22T00:05:00+01:00,53.6469

            """
        let reports = try StreetSafeFile.parse(Data(text.utf8), format: .csv).get()
        #expect(reports.count == 2)
        #expect(reports[0].reasons == [.poorLighting, .beingFollowed])
        #expect(WireCoding.formatDate(reports[0].reportedAt) == "2026-11-21T23:00:00.000Z")
        #expect(WireCoding.formatDate(reports[1].reportedAt) == "2026-11-21T23:00:00.000Z")
        #expect(abs(reports[0].latitude - 53.40341) < 0.0009 && reports[0].latitude != 53.40341)
        // Two positions in the same cell become one; the stored value has no more than 5 decimals.
        let neighbour = StreetSafeGrid.cellCentre(latitude: 53.40345, longitude: -2.98015)
        #expect(neighbour.latitude == reports[0].latitude && neighbour.longitude == reports[0].longitude)
        let encoded = String(decoding: try JSONEncoder().encode(reports), as: UTF8.self)
        #expect(!encoded.contains("hello") && !encoded.contains("followed me"))
    }

    @Test("every bad row is named by its line, and nothing is returned")
    func badRowsNamedByLine() {
        let text = """
            time,latitude,longitude,reasons
            2026-11-21T23:40:00Z,53.4,-2.98,poor-lighting
            yesterday,53.4,-2.98,poor-lighting
            2026-11-21T23:40:00Z,91,-2.98,poor-lighting
            2026-11-21T23:40:00Z,53.4,-2.98,walking-alone
            2026-11-21T23:40:00Z,53.4,-2.98,

            """
        guard case .failure(let error) = StreetSafeFile.parse(Data(text.utf8), format: .csv) else {
            Issue.record("a file with bad rows was accepted")
            return
        }
        #expect(error.problems.map(\.line) == [3, 4, 5, 6])
        #expect(error.description.contains("line 5: a reason is not one of poor-lighting"))
    }

    @Test("a header without a needed column is refused")
    func missingColumn() {
        let text = "time,latitude,reasons\n2026-11-21T23:40:00Z,53.4,other\n"
        guard case .failure(let error) = StreetSafeFile.parse(Data(text.utf8), format: .csv) else {
            Issue.record("accepted")
            return
        }
        #expect(error.problems == [.init(line: 1, message: error.problems[0].message)])
        #expect(error.problems[0].message.contains("'longitude'"))
    }

    @Test("JSON: the reports' lines are named; unknown keys (free text) dropped")
    func json() throws {
        let good = """
            {"reports": [
              {"time": "2026-11-21T23:40:00Z", "latitude": 53.4, "longitude": -2.98, "reasons": ["other"],
               "note": "free text"}
            ]}
            """
        #expect(try StreetSafeFile.parse(Data(good.utf8), format: .json).get().count == 1)
        let bad = """
            [
              {"time": "2026-11-21T23:40:00Z", "latitude": 53.4, "longitude": -2.98, "reasons": ["other"]},
              {"time": "2026-11-21T23:40:00Z", "latitude": 53.4, "longitude": -2.98,
               "reasons": ["lonely"]}
            ]
            """
        guard case .failure(let error) = StreetSafeFile.parse(Data(bad.utf8), format: .json) else {
            Issue.record("accepted")
            return
        }
        #expect(error.problems.map(\.line) == [3])
        #expect(StreetSafeFile.parse(Data("{".utf8), format: .json).isFailure)
    }

    @Test("reasons are behavioural or environmental")
    func reasonKinds() {
        #expect(
            StreetSafeReason.allCases.filter { $0.kind == .behavioural } == [
                .beingFollowed, .verbalHarassment, .intimidatingGroup,
            ]
        )
        #expect(StreetSafeReason.allCases.filter { $0.kind == .environmental } == [.poorLighting, .isolatedArea])
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
