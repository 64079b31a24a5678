import Foundation
import Models
import Testing

/// The one character rule for free text, and the one way stored text is shown.
@Suite("Text rules")
struct TextRulesTests {
    /// Every character a single-line field refuses, one of each kind and both ends of each range.
    static let unsafe: [Unicode.Scalar] = [
        "\u{0}", "\t", "\n", "\r", "\u{1B}", "\u{1F}", "\u{7F}", "\u{80}", "\u{85}", "\u{9B}", "\u{9F}", "\u{61C}",
        "\u{200E}", "\u{200F}", "\u{2028}", "\u{2029}", "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}",
        "\u{200B}", "\u{2060}", "\u{2064}", "\u{206A}", "\u{206F}", "\u{FEFF}", "\u{FFF9}", "\u{FFFB}",
    ]

    @Test(
        "a single-line field refuses control, line-separator and bidirectional formatting characters",
        arguments: unsafe
    )
    func singleLineRefuses(_ scalar: Unicode.Scalar) {
        #expect(throws: ValidationError.self) {
            try TextRules.check("CPS \(Character(scalar))Merseyside", field: "recipient", limit: 200)
        }
        do throws(ValidationError) {
            try TextRules.check("CPS\(Character(scalar))", field: "recipient", limit: 200)
        } catch {
            #expect(error.code == "control-characters")
            #expect(error.message.contains("recipient"))
        }
        #expect(TextRules.isUnsafe(scalar))
        #expect(!TextRules.escaped("a\(Character(scalar))b").unicodeScalars.contains(where: TextRules.isUnsafe))
    }

    @Test("a multi-line field may hold newlines, tabs and carriage returns, and nothing else of the rule")
    func multiline() throws {
        try TextRules.check("Line one\r\n\tLine two\n", field: "narrative", limit: 100, multiline: true)
        for scalar in Self.unsafe where !["\n", "\t", "\r"].contains(scalar) {
            #expect(throws: ValidationError.self) {
                try TextRules.check("Line\(Character(scalar))", field: "narrative", limit: 100, multiline: true)
            }
        }
    }

    @Test("plain text beyond ASCII passes, and is shown as it is")
    func plainText() throws {
        for text in ["Crown Prosecution Service – Café Quarter’s team", "Ålesund ☂︎ 東京", "PC-4127 \\n not a newline"] {
            try TextRules.check(text, field: "recipient", limit: 200)
            #expect(TextRules.escaped(text) == text)
        }
        #expect(!TextRules.isUnsafe(" ") && !TextRules.isUnsafe("\u{A0}") && !TextRules.isUnsafe("\u{200D}"))
    }

    @Test("unprintable characters are shown as visible escapes, on one line")
    func escapes() {
        #expect(
            TextRules.escaped("CPS\n#42 export\u{1B}[2K\t\r\u{202E}x\u{85}")
                == "CPS\\n#42 export\\u{1B}[2K\\t\\r\\u{202E}x\\u{85}"
        )
    }

    /// Every space, tab and line break Unicode has, and characters next to them that are not white space.
    static let blankCandidates: [String] = [
        "", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}",
        "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{200B}", "\u{FEFF}", "\u{180E}", " \u{301}",
        "a", " a ", "\t\u{A0}\u{3000}", " \n ", "\u{2028} ", "\u{0}", "\u{1F}", "\u{7F}",
    ]

    @Test("blank is what trimming white space (and line breaks) leaves empty", arguments: blankCandidates)
    func blankIsFoundationsTrim(_ text: String) {
        #expect(TextRules.isBlank(text) == text.trimmingCharacters(in: .whitespaces).isEmpty)
        #expect(
            TextRules.isBlank(text, newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        )
    }

    @Test("blank agrees with trimming for every character of the Basic Multilingual Plane")
    func blankForEveryCharacter() {
        var mismatches: [UInt32] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar)
            if TextRules.isBlank(text) != text.trimmingCharacters(in: .whitespaces).isEmpty
                || TextRules.isBlank(text, newlines: true)
                    != text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            {
                mismatches.append(value)
            }
        }
        #expect(mismatches.isEmpty, "differ at \(mismatches.prefix(10).map { String($0, radix: 16) })")
    }
}
