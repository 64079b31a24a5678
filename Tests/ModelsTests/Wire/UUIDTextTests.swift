import Foundation
import Models
import Testing

@Suite("UUID text")
struct UUIDTextTests {
    @Test("text is uuidString, and parses back in either case")
    func matchesFoundation() {
        for _ in 0..<10_000 {
            let id = UUID()
            #expect(id.text == id.uuidString)
            #expect(UUID(text: id.text) == id)
            #expect(UUID(text: id.text.lowercased()) == id)
        }
    }

    @Test(
        "malformed ids are refused, as by init(uuidString:)",
        arguments: [
            "", "not-a-uuid", "6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F1", "6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F100",
            "6E3E3C2A36B6-4BC1-9E29-6B0C7E6A1F10-", "6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F1G",
            "{6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10}",
            "6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F1é",
        ]
    )
    func malformed(_ text: String) {
        #expect(UUID(text: text) == nil)
        #expect(UUID(uuidString: text) == nil)
    }
}
