import Models
import Testing

@Suite("Identifiers")
struct IdentifiersTests {
    @Test(
        "well-formed user ids pass",
        arguments: ["PC-4127", "SIA-1012-3344-5566-7788", "P1", "12", "A-", String(repeating: "A", count: 32)]
    )
    func goodUser(_ id: String) throws {
        try Identifiers.validateUser(id)
    }

    @Test(
        "malformed user ids are refused",
        arguments: [
            "", "P", "pc-4127", "-PC4127", "PC 4127", "PC_4127", "PC.4127", "PÇ-1", String(repeating: "A", count: 33),
        ]
    )
    func badUser(_ id: String) {
        #expect(validationCode { try Identifiers.validateUser(id) } == "malformed-id")
    }

    @Test("well-formed device ids pass", arguments: ["dev-7f3a9c", "d1", "0-", String(repeating: "d", count: 64)])
    func goodDevice(_ id: String) throws {
        try Identifiers.validateDevice(id)
    }

    @Test(
        "malformed device ids are refused",
        arguments: ["", "d", "DEV-7F3A9C", "-dev", "dev 1", "dev/1", "dév-1", String(repeating: "d", count: 65)]
    )
    func badDevice(_ id: String) {
        #expect(validationCode { try Identifiers.validateDevice(id) } == "malformed-id")
    }

    @Test("well-formed venue ids pass", arguments: ["venue-seel-st-03", "v1", String(repeating: "v", count: 64)])
    func goodVenue(_ id: String) throws {
        try Identifiers.validateVenue(id)
    }

    @Test(
        "malformed venue ids are refused",
        arguments: ["", "v", "Venue-Seel-St", "-venue", "venue_seel", "venue seel", String(repeating: "v", count: 65)]
    )
    func badVenue(_ id: String) {
        #expect(validationCode { try Identifiers.validateVenue(id) } == "malformed-id")
    }

    @Test(
        "an id with a combining mark is refused",
        arguments: ["dev-q\u{301}", "dev-1\u{301}"]
    )
    func combiningMarkDevice(_ id: String) {
        #expect(validationCode { try Identifiers.validateDevice(id) } == "malformed-id")
    }

    @Test("a user id with a combining mark is refused", arguments: ["PC-Q\u{301}", "PC-4\u{20DD}"])
    func combiningMarkUser(_ id: String) {
        #expect(validationCode { try Identifiers.validateUser(id) } == "malformed-id")
    }
}
