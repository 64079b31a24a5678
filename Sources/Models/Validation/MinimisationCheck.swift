import Foundation

/// Warnings for free text that looks like personal data (a phone number or an email address).
///
/// Minimisation is the rule: fixed lists before free text, and no identities in narratives. These are
/// warnings for the person typing, not refusals: a false positive must not stop a record being made.
public enum MinimisationCheck {
    /// Returns a warning for each kind of personal data the text seems to hold; empty when none.
    public static func warnings(for text: String) -> [String] {
        var warnings: [String] = []
        if containsPhoneNumber(text) {
            warnings.append("The text seems to hold a phone number: record it only if it is needed.")
        }
        if text.contains("@") && text.contains(".") {
            warnings.append("The text seems to hold an email address: record it only if it is needed.")
        }
        return warnings
    }

    private static func containsPhoneNumber(_ text: String) -> Bool {
        var digitsInRun = 0
        for character in text {
            if character.isASCII && character.isNumber {
                digitsInRun += 1
                if digitsInRun >= 10 { return true }
            } else if character != " " && character != "-" && character != "+" {
                digitsInRun = 0
            }
        }
        return false
    }
}
