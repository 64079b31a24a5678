import Central
import Foundation
import Models
import Testing

@Suite("Retention configuration file")
struct RetentionConfigurationFileTests {
    @Test("a file sets what it names; the rest keeps the documented defaults")
    func goodFile() throws {
        let policy = try RetentionConfigurationFile.parse(
            """
            # Merseyside Police review periods
            [review]
            sighting = "6 years"
            intervention = "7 years"
            maximum = "12 years"

            [review.graded]
            E = "1 year"
            "D" = "18 months"
            """
        )
        #expect(policy.periods[.sighting] == RetentionPeriod(years: 6))
        #expect(policy.periods[.intervention] == RetentionPeriod(years: 7))
        #expect(policy.periods[.note] == RetentionPeriod(years: 6))
        #expect(policy.maximum == RetentionPeriod(years: 12))
        #expect(
            policy.gradedPeriods == [
                .suspectedFalse: RetentionPeriod(years: 1), .notKnown: RetentionPeriod(months: 18),
            ]
        )
        #expect(try RetentionConfigurationFile.parse("") == .defaults)
        #expect(try RetentionConfigurationFile.parse("# nothing set\n[review]\n") == .defaults)
    }

    @Test(
        "a wrong file is refused with the line that is wrong",
        arguments: [
            ("[review]\nsighting = \"6 years\"\nintervention = \"6 yeras\"\n", 3, "intervention must be a period"),
            ("[review]\nsighting = 6\n", 2, "sighting must be a period"),
            ("[review]\n\nsightings = \"6 years\"\n", 3, "Unknown setting 'sightings'"),
            (
                "[review]\nsighting = \"6 years\"\n[review.graded]\nF = \"1 year\"\n", 4,
                "Unknown intelligence assessment 'F'"
            ),
            ("[reveiw]\nsighting = \"6 years\"\n", 1, "Unknown setting 'reveiw'"),
            ("[review\nsighting = \"6 years\"\n", 1, "Not TOML"),
            ("[review]\nsighting = \"6 years\n", 2, "Not TOML"),
            ("[review]\nnote = \"20 years\"\nmaximum = \"10 years\"\n", 3, "maximum (10 years) is shorter"),
        ]
    )
    func badFile(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try RetentionConfigurationFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch let error as RetentionConfigurationError {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("not a RetentionConfigurationError: \(error)")
        }
    }

    @Test("a file that cannot be read says so, with its name")
    func missingFile() {
        #expect {
            _ = try RetentionConfigurationFile.load(path: "/nonexistent/retention.toml")
        } throws: { error in
            "\(error)".contains("/nonexistent/retention.toml") && "\(error)".contains("cannot be read")
        }
    }
}
