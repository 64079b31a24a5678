import Foundation
import Models

/// How records are shown to people: times in Europe/London, one line a record in listings.
enum RecordText {
    static let london = TimeZone(identifier: "Europe/London")!

    /// A time as shown to people: local to Europe/London, with the zone (GMT or BST) so the repeated hour
    /// when the clocks go back is never ambiguous.
    static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB_POSIX")
        formatter.timeZone = london
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }

    static func shortId(_ id: UUID) -> String { String(id.uuidString.lowercased().prefix(8)) }

    static func placeText(_ location: Location?) -> String {
        guard let location else { return "" }
        return [location.venueId, location.place].compactMap { $0 }.joined(separator: " — ")
    }

    /// What the record is about, in a few words.
    static func summary(_ record: PatrolRecord) -> String {
        switch record {
        case .sighting(let sighting):
            "\(sighting.riskLevel.rawValue) risk: " + sighting.behaviours.map(\.rawValue).joined(separator: ", ")
        case .intervention(let intervention):
            intervention.actions.map(\.rawValue).joined(separator: ", ") + " → " + intervention.outcome.rawValue
                + (DispersalRule.needsSupervision(intervention) ? " [dispersal outside any authorisation]" : "")
        case .note(let note):
            "note on \(shortId(note.recordId)): " + note.text
        case .authorisation(let authorisation):
            "section 34 authorisation: \(authorisation.locality.summary), until \(localTime(authorisation.endsAt))"
        case .redacted:
            "[redacted]"
        }
    }

    /// Short tags for what supervisors and corrections did to a record.
    static func markers(_ state: RecordState) -> String {
        var tags: [String] = []
        if !state.amendments.isEmpty { tags.append("amended") }
        if let grading = state.registers.grading { tags.append("graded \(grading.code)") }
        if state.registers.review != .awaitingReview { tags.append(state.registers.review.rawValue) }
        if !state.registers.links.isEmpty { tags.append("linked ×\(state.registers.links.count)") }
        if let tombstone = state.redaction {
            tags.append("redacted by \(tombstone.stamp.author): \(tombstone.redaction.reason.rawValue)")
        }
        return tags.isEmpty ? "" : " [" + tags.joined(separator: "; ") + "]"
    }

    /// A fixed-width table, one record a line.
    static func table(_ records: [RecordState]) -> String {
        let rows = records.map { state in
            [
                localTime(state.current.occurredAt), state.type.rawValue, shortId(state.id), state.current.author,
                placeText(state.current.location),
                summary(state.current) + markers(state),
            ]
        }
        let header = ["OCCURRED", "TYPE", "ID", "BY", "WHERE", "WHAT"]
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        widths[5] = 0
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// The table of `table`, in groups by operational night (`OperationalNight`), each under a heading; records
    /// between 06:00 and 18:00 are grouped apart as daytime.
    static func nightTables(_ records: [RecordState]) -> String {
        var groups: [(night: OperationalNight?, records: [RecordState])] = []
        for state in records {
            let night = OperationalNight.containing(state.current.occurredAt)
            if let last = groups.indices.last, groups[last].night == night {
                groups[last].records.append(state)
            } else {
                groups.append((night, [state]))
            }
        }
        return groups.map { group in
            let heading =
                group.night.map { "Night of \($0) (\(localTime($0.start)) to \(localTime($0.end)))" }
                ?? "Daytime (06:00 to 18:00, in no operational night)"
            return heading + "\n" + table(group.records)
        }
        .joined(separator: "\n\n")
    }

    /// A whole record with its amendment history: originals stay visible, struck through.
    static func detail(_ state: RecordState, attachments: [RecordState]) -> String {
        var lines: [String] = []
        let record = state.current
        lines.append("\(state.type.rawValue.capitalized) \(state.id.uuidString.lowercased())")
        lines.append(marked("  occurred   \(localTime(record.occurredAt))", "\(state.type.rawValue).occurredAt"))
        lines.append(
            "  recorded   \(localTime(record.recordedAt)) by \(state.created.author) on \(state.created.deviceId)"
        )
        switch record {
        case .sighting(let sighting):
            lines.append(marked("  where      \(placeText(sighting.location))", "sighting.location"))
            lines.append(
                marked(
                    "  behaviours \(sighting.behaviours.map(\.label).joined(separator: "; "))",
                    "sighting.behaviours"
                )
            )
            if let other = sighting.otherBehaviour {
                lines.append(marked("  other      \(other)", "sighting.otherBehaviour"))
            }
            lines.append(marked("  risk       \(sighting.riskLevel.rawValue)", "sighting.riskLevel"))
            let subject = sighting.subject
            let described = [
                subject.sex.rawValue, subject.ageBand.rawValue, subject.heightBand.rawValue, subject.build.rawValue,
            ]
            lines.append(marked("  subject    \(described.joined(separator: ", "))", "sighting.subject.sex"))
            if let clothing = subject.clothing {
                lines.append(marked("  clothing   \(clothing)", "sighting.subject.clothing"))
            }
            if let features = subject.distinguishingFeatures {
                lines.append(marked("  features   \(features)", "sighting.subject.distinguishingFeatures"))
            }
            let atRisk = sighting.personAtRisk
            // Only what was recorded: nil (not said) prints nothing, false prints the "not".
            let intoxicated = atRisk.appearedIntoxicated.map { $0 ? ", appeared intoxicated" : ", not intoxicated" }
            let alone = atRisk.wasAlone.map { $0 ? ", alone" : ", not alone" }
            lines.append(
                marked(
                    "  at risk    age \(atRisk.ageBand.rawValue)\(intoxicated ?? "")\(alone ?? "")",
                    "sighting.personAtRisk.ageBand"
                )
            )
            if !sighting.narrative.isEmpty {
                lines.append(marked("  narrative  \(sighting.narrative)", "sighting.narrative"))
            }
        case .intervention(let intervention):
            if let sightingId = intervention.sightingId {
                lines.append("  follows    \(sightingId.uuidString.lowercased())")
            }
            lines.append(marked("  where      \(placeText(intervention.location))", "intervention.location"))
            lines.append(
                marked(
                    "  actions    \(intervention.actions.map(\.rawValue).joined(separator: ", "))",
                    "intervention.actions"
                )
            )
            lines.append(marked("  outcome    \(intervention.outcome.rawValue)", "intervention.outcome"))
            if !intervention.notes.isEmpty {
                lines.append(marked("  notes      \(intervention.notes)", "intervention.notes"))
            }
            if let authorisationId = intervention.authorisationId {
                lines.append("  dispersal  under section 34 authorisation \(authorisationId.uuidString.lowercased())")
            }
            if DispersalRule.needsSupervision(intervention) {
                lines.append(
                    marked(
                        "  dispersal  OUTSIDE any section 34 authorisation: flagged for supervision",
                        "intervention.outsideAuthorisation"
                    )
                )
            }
        case .authorisation(let authorisation):
            lines.append(
                marked(
                    "  in force   \(localTime(authorisation.startsAt)) to \(localTime(authorisation.endsAt))",
                    "authorisation.startsAt"
                )
            )
            lines.append(marked("  locality   \(authorisation.locality.summary)", "authorisation.locality"))
            for corner in authorisation.locality.polygon {
                lines.append("  corner     \(corner.latitude), \(corner.longitude)")
            }
            lines.append(marked("  grounds    \(authorisation.grounds)", "authorisation.grounds"))
        case .note(let note):
            lines.append("  about      \(note.recordId.uuidString.lowercased())")
            lines.append(marked("  text       \(note.text)", "note.text"))
        case .redacted:
            lines.append("  content    [redacted]")
        }
        if let tombstone = state.redaction {
            lines.append(
                "Redacted \(localTime(tombstone.stamp.hlc.date)) by \(tombstone.stamp.author): "
                    + "\(tombstone.redaction.reason.rawValue) (\(tombstone.redaction.explanation))"
            )
        }
        let registers = state.registers
        if !registers.isDefault {
            lines.append("  review     \(registers.review.rawValue)")
            if let grading = registers.grading {
                lines.append(marked("  grading    \(grading.code)", "registers.grading"))
            }
            if let reviewOn = registers.retentionReviewOn {
                lines.append("  retention  review on \(localTime(reviewOn))")
            }
            for link in registers.links {
                lines.append(
                    marked(
                        "  link       \(link.kind.rawValue) \(link.target.uuidString.lowercased())",
                        "registers.links"
                    )
                )
            }
        }
        if !state.amendments.isEmpty {
            lines.append("History (original values struck through, never erased):")
            for entry in state.amendments {
                let standing: String
                switch entry.standing {
                case .current: standing = "current"
                case .superseded: standing = "superseded"
                case .refused(_, let message): standing = "not applied: \(message)"
                }
                lines.append(
                    "  \(localTime(entry.stamp.hlc.date)) \(entry.stamp.author): \(entry.amendment.field.rawValue) "
                        + "~~\(entry.replacedValue)~~ → \(entry.amendment.value)  (reason: \(entry.amendment.reason); \(standing))"
                )
                if let crossing = entry.crossing { lines.append("    " + crossed(entry, crossing)) }
            }
        }
        if !attachments.isEmpty {
            lines.append("Linked records:")
            for attachment in attachments {
                lines.append(
                    "  \(attachment.type.rawValue) \(shortId(attachment.id)) by \(attachment.current.author): \(summary(attachment.current))"
                )
            }
        }
        if lines.contains(where: { line in FieldBasis.allCases.contains { line.hasSuffix("  [\($0.rawValue)]") } }) {
            lines.append(
                "[fact] observed; [assessment] the recorder's judgement; [account] free text in the recorder's words."
            )
        }
        return lines.joined(separator: "\n")
    }

    /// A line of `detail` marked with the basis of the field it shows (`FieldClassification`): `[fact]`,
    /// `[assessment]` or `[account]`; record keeping is left unmarked.
    static func marked(_ line: String, _ field: String) -> String {
        switch FieldClassification.basis(of: field) ?? .recordKeeping {
        case .recordKeeping: line
        case let basis: line + "  [\(basis.rawValue)]"
        }
    }

    /// What an amendment made without seeing the one before it says: the value it did not see, and whose.
    static func crossed(_ entry: AmendmentEntry, _ crossing: AmendmentEntry.Crossing) -> String {
        let value = entry.previousValue.isEmpty ? "(empty)" : "'\(entry.previousValue)'"
        guard let unseen = crossing.unseen else {
            return "the value before it in this history was \(value), not the one it replaced"
        }
        return "made without seeing the change to \(value) by \(unseen.author) at \(localTime(unseen.hlc.date))"
    }
}
