import Foundation
import Models
import Testing

/// A CSV export opened in a spreadsheet must not run anything: every leading character a spreadsheet reads as
/// the start of a formula is neutralised with a quote mark (issue 16).
@Suite("Record CSV formulas")
struct RecordCSVFormulaTests {
    static func row(_ text: String) throws -> String {
        let note = Fixture.note(recordedAt: Fixture.now)
        var changed = note
        changed.text = text
        let operation = Fixture.create(.note(changed))
        let state = RecordState(
            id: changed.id,
            original: .note(changed),
            current: .note(changed),
            created: OperationStamp(operation),
            amendments: [],
            refusedCreates: []
        )
        let csv = RecordCSV.make([state])
        try #require(csv.hasPrefix(RecordCSV.header + "\r\n"))
        return String(csv.dropFirst(RecordCSV.header.count + 2))
    }

    @Test(
        "a text starting with =, +, -, @, a tab or a carriage return goes out behind a quote mark",
        arguments: ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\r\n=1+1"]
    )
    func neutralised(text: String) throws {
        let row = try Self.row(text)
        #expect(row.contains(",'\(text)") || row.contains(",\"'\(text)"), "row was: \(row.debugDescription)")
    }

    @Test("other text goes out as it is")
    func plain() throws {
        #expect(try Self.row("Left at 23:45").contains(",Left at 23:45,"))
        #expect(try Self.row("a=1").contains(",a=1,"))
    }
}
