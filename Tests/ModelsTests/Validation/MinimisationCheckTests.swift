import Models
import Testing

@Suite("Minimisation check")
struct MinimisationCheckTests {
    @Test(
        "text holding a phone number gets exactly one phone-number warning",
        arguments: [
            "07700 900123", "Her number is 07700 900123, she asked for a call back", "+44 7700 900123", "0151-709-6010",
        ]
    )
    func phoneNumber(_ text: String) {
        let warnings = MinimisationCheck.warnings(for: text)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("phone number") == true)
    }

    @Test(
        "ordinary text gets no warning",
        arguments: [
            "",
            "Man in a black jacket approached 3 women near the bar at 23:40.",
            "Seen at 23:40 and again at 23:55 on 21/11/2026, outside number 42.",
            "Nine digits is not a phone number: 070 0900 12",
            "Followed her from Concert Square to Seel Street.\nStaff informed.",
        ]
    )
    func ordinaryText(_ text: String) {
        #expect(MinimisationCheck.warnings(for: text).isEmpty)
    }

    @Test("text holding an email address gets an email warning")
    func emailAddress() {
        let warnings = MinimisationCheck.warnings(for: "Gave his address as j.smith@example.com")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("email address") == true)
    }
}
