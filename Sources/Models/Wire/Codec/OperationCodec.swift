import Foundation

/// The fast path of `WireCoding` for operations: hand-written reading and writing of `LogOperation` and
/// the records it carries, byte-identical to `JSONEncoder`'s output with `WireCoding`'s settings.
///
/// Sync moves operations by the hundred thousand; Foundation's coders cost tens of microseconds each.
/// Every key is written in sorted order; a test compares the output with `JSONEncoder` for random values.
enum OperationCodec {
    static func encode(_ operation: LogOperation) -> Data {
        var writer = JSONWriter()
        write(operation, to: &writer)
        return writer.data
    }

    static func decode(_ data: Data) throws -> LogOperation {
        try data.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer)
            let operation = try readOperation(&reader)
            guard reader.isAtEnd else { throw JSONReader.Failure(reason: "trailing bytes") }
            return operation
        }
    }

    // MARK: Writing

    static func write(_ operation: LogOperation, to w: inout JSONWriter) {
        w.beginObject()
        w.key("author")
        w.string(operation.author)
        w.key("deviceId")
        w.string(operation.deviceId)
        w.key("hlc")
        w.int(operation.hlc.rawValue)
        w.key("kind")
        w.string(operation.kind.rawValue)
        w.key("opId")
        w.uuid(operation.opId)
        switch operation.payload {
        case .createSighting(let sighting):
            w.key("payload")
            write(sighting, to: &w)
        case .createIntervention(let intervention):
            w.key("payload")
            write(intervention, to: &w)
        case .createNote(let note):
            w.key("payload")
            write(note, to: &w)
        case .createAuthorisation(let authorisation):
            w.key("payload")
            write(authorisation, to: &w)
        case .amend(let amendment):
            w.key("payload")
            w.beginObject()
            w.key("field")
            w.string(amendment.field.rawValue)
            w.key("reason")
            w.string(amendment.reason)
            if let replaced = amendment.replaced {
                w.key("replaced")
                w.string(replaced)
            }
            w.key("value")
            w.string(amendment.value)
            w.endObject()
        case .setRegister(let register):
            w.key("payload")
            write(register, to: &w)
        case .redact(let redaction):
            w.key("payload")
            w.beginObject()
            w.key("explanation")
            w.string(redaction.explanation)
            w.key("reason")
            w.string(redaction.reason.rawValue)
            w.endObject()
        case .redacted:
            break
        }
        w.key("recordId")
        w.uuid(operation.recordId)
        if case .redacted = operation.payload {
            w.key("redacted")
            w.bool(true)
        }
        w.endObject()
    }

    private static func write(_ sighting: Sighting, to w: inout JSONWriter) {
        w.beginObject()
        w.key("behaviours")
        w.beginArray()
        for behaviour in sighting.behaviours { w.string(behaviour.rawValue) }
        w.endArray()
        w.key("id")
        w.uuid(sighting.id)
        w.key("location")
        write(sighting.location, to: &w)
        w.key("narrative")
        w.string(sighting.narrative)
        w.key("occurredAt")
        w.date(sighting.occurredAt)
        if let other = sighting.otherBehaviour {
            w.key("otherBehaviour")
            w.string(other)
        }
        w.key("personAtRisk")
        w.beginObject()
        w.key("ageBand")
        w.string(sighting.personAtRisk.ageBand.rawValue)
        if let intoxicated = sighting.personAtRisk.appearedIntoxicated {
            w.key("appearedIntoxicated")
            w.bool(intoxicated)
        }
        if let alone = sighting.personAtRisk.wasAlone {
            w.key("wasAlone")
            w.bool(alone)
        }
        w.endObject()
        w.key("recordedAt")
        w.date(sighting.recordedAt)
        w.key("reporter")
        w.string(sighting.reporter)
        w.key("riskLevel")
        w.string(sighting.riskLevel.rawValue)
        w.key("subject")
        let subject = sighting.subject
        w.beginObject()
        w.key("ageBand")
        w.string(subject.ageBand.rawValue)
        w.key("build")
        w.string(subject.build.rawValue)
        if let clothing = subject.clothing {
            w.key("clothing")
            w.string(clothing)
        }
        if let features = subject.distinguishingFeatures {
            w.key("distinguishingFeatures")
            w.string(features)
        }
        w.key("heightBand")
        w.string(subject.heightBand.rawValue)
        if let ethnicity = subject.perceivedEthnicity {
            w.key("perceivedEthnicity")
            w.string(ethnicity)
        }
        w.key("sex")
        w.string(subject.sex.rawValue)
        w.endObject()
        w.endObject()
    }

    private static func write(_ intervention: Intervention, to w: inout JSONWriter) {
        w.beginObject()
        w.key("actions")
        w.beginArray()
        for action in intervention.actions { w.string(action.rawValue) }
        w.endArray()
        if let authorisationId = intervention.authorisationId {
            w.key("authorisationId")
            w.uuid(authorisationId)
        }
        w.key("by")
        w.string(intervention.by)
        w.key("id")
        w.uuid(intervention.id)
        w.key("location")
        write(intervention.location, to: &w)
        w.key("notes")
        w.string(intervention.notes)
        w.key("occurredAt")
        w.date(intervention.occurredAt)
        w.key("outcome")
        w.string(intervention.outcome.rawValue)
        if let outside = intervention.outsideAuthorisation {
            w.key("outsideAuthorisation")
            w.bool(outside)
        }
        w.key("recordedAt")
        w.date(intervention.recordedAt)
        if let sightingId = intervention.sightingId {
            w.key("sightingId")
            w.uuid(sightingId)
        }
        w.endObject()
    }

    private static func write(_ authorisation: DispersalAuthorisation, to w: inout JSONWriter) {
        w.beginObject()
        w.key("authorisedBy")
        w.string(authorisation.authorisedBy)
        w.key("endsAt")
        w.date(authorisation.endsAt)
        w.key("grounds")
        w.string(authorisation.grounds)
        w.key("id")
        w.uuid(authorisation.id)
        w.key("locality")
        w.beginObject()
        w.key("polygon")
        w.beginArray()
        for corner in authorisation.locality.polygon {
            w.beginObject()
            w.key("latitude")
            w.double(corner.latitude)
            w.key("longitude")
            w.double(corner.longitude)
            w.endObject()
        }
        w.endArray()
        w.key("streets")
        w.beginArray()
        for street in authorisation.locality.streets { w.string(street) }
        w.endArray()
        w.key("venueIds")
        w.beginArray()
        for venueId in authorisation.locality.venueIds { w.string(venueId) }
        w.endArray()
        w.endObject()
        w.key("recordedAt")
        w.date(authorisation.recordedAt)
        w.key("startsAt")
        w.date(authorisation.startsAt)
        w.endObject()
    }

    private static func write(_ note: Note, to w: inout JSONWriter) {
        w.beginObject()
        w.key("author")
        w.string(note.author)
        w.key("id")
        w.uuid(note.id)
        w.key("recordId")
        w.uuid(note.recordId)
        w.key("recordedAt")
        w.date(note.recordedAt)
        w.key("text")
        w.string(note.text)
        w.endObject()
    }

    private static func write(_ location: Location, to w: inout JSONWriter) {
        w.beginObject()
        if let latitude = location.latitude {
            w.key("latitude")
            w.double(latitude)
        }
        if let longitude = location.longitude {
            w.key("longitude")
            w.double(longitude)
        }
        if let place = location.place {
            w.key("place")
            w.string(place)
        }
        if let venueId = location.venueId {
            w.key("venueId")
            w.string(venueId)
        }
        w.endObject()
    }

    private static func write(_ register: RegisterWrite, to w: inout JSONWriter) {
        w.beginObject()
        switch register {
        case .review(let status):
            w.key("register")
            w.string("review")
            w.key("review")
            w.string(status.rawValue)
        case .grading(let grading):
            if let grading {
                w.key("grading")
                w.beginObject()
                w.key("handling")
                w.string(grading.handling.rawValue)
                w.key("intelligence")
                w.string(grading.intelligence.rawValue)
                w.key("source")
                w.string(grading.source.rawValue)
                w.endObject()
            }
            w.key("register")
            w.string("grading")
        case .retentionReview(let date):
            w.key("register")
            w.string("retention-review")
            if let date {
                w.key("reviewOn")
                w.date(date)
            }
        case .link(let link, let present):
            w.key("link")
            w.beginObject()
            w.key("kind")
            w.string(link.kind.rawValue)
            w.key("target")
            w.uuid(link.target)
            w.endObject()
            w.key("present")
            w.bool(present)
            w.key("register")
            w.string("link")
        }
        w.endObject()
    }

    // MARK: Reading

    static func readOperation(_ r: inout JSONReader) throws -> LogOperation {
        var opId: UUID?
        var deviceId: String?
        var author: String?
        var hlc: Int64?
        var recordId: UUID?
        var kind: OperationKind?
        var redacted = false
        var payload: OperationPayload?
        var payloadReader: JSONReader?
        try r.readObject { r, key in
            switch key {
            case "opId": opId = try r.readUUID()
            case "deviceId": deviceId = try r.readString()
            case "author": author = try r.readString()
            case "hlc": hlc = try r.readClockStamp()
            case "recordId": recordId = try r.readUUID()
            case "kind": kind = try r.readEnum(OperationKind.self)
            case "redacted": redacted = try r.readNull() ? false : try r.readBool()
            case "payload":
                // Read in place when `kind` came first (as the writer's sorted keys put it); otherwise, or if it
                // does not read as that kind (then `redacted` may still come), note where it is and read it after.
                payloadReader = r
                if let kind, let read = try? readPayload(of: kind, from: &r) {
                    payload = read
                } else {
                    r = payloadReader!
                    try r.skipValue()
                }
            default: try r.skipValue()
            }
        }
        let operationKind = try required(kind, "kind")
        let content: OperationPayload
        if redacted {
            guard operationKind.carriesContent else { throw JSONReader.Failure(reason: "redacted without content") }
            content = .redacted(operationKind)
        } else if let payload {
            content = payload
        } else {
            guard var p = payloadReader else { throw JSONReader.Failure(reason: "missing payload") }
            content = try readPayload(of: operationKind, from: &p)
        }
        let stamp = try required(hlc, "hlc")
        guard stamp >= 0 else { throw JSONReader.Failure(reason: "negative clock stamp") }
        return LogOperation(
            opId: try required(opId, "opId"),
            deviceId: try required(deviceId, "deviceId"),
            author: try required(author, "author"),
            hlc: HLCTimestamp(rawValue: stamp),
            recordId: try required(recordId, "recordId"),
            payload: content
        )
    }

    /// Reads the payload of an operation of a kind.
    private static func readPayload(of kind: OperationKind, from p: inout JSONReader) throws -> OperationPayload {
        switch kind {
        case .createSighting: return .createSighting(try readSighting(&p))
        case .createIntervention: return .createIntervention(try readIntervention(&p))
        case .createAuthorisation:
            // Rare and small: Foundation's decoder reads it.
            // A refusal is the fast path's, so that the explanation (by the whole document) names the full path.
            let range = try p.skipValue()
            guard
                let authorisation = try? WireCoding.decode(
                    DispersalAuthorisation.self,
                    from: Data(p.text(range).utf8)
                )
            else { throw JSONReader.Failure(reason: "not an authorisation") }
            return .createAuthorisation(authorisation)
        case .createNote: return .createNote(try readNote(&p))
        case .amend: return .amend(try readAmendment(&p))
        case .setRegister: return .setRegister(try readRegister(&p))
        case .redact: return .redact(try readRedaction(&p))
        }
    }

    private static func readSighting(_ r: inout JSONReader) throws -> Sighting {
        var id: UUID?
        var occurredAt: Date?
        var recordedAt: Date?
        var reporter: String?
        var location: Location?
        var behaviours: [Behaviour]?
        var otherBehaviour: String?
        var subject: SubjectDescription?
        var personAtRisk: PersonAtRisk?
        var riskLevel: RiskLevel?
        var narrative: String?
        try r.readObject { r, key in
            switch key {
            case "id": id = try r.readUUID()
            case "occurredAt": occurredAt = try r.readDate()
            case "recordedAt": recordedAt = try r.readDate()
            case "reporter": reporter = try r.readString()
            case "location": location = try readLocation(&r)
            case "behaviours":
                var list: [Behaviour] = []
                try r.readArray { r in list.append(try r.readEnum(Behaviour.self)) }
                behaviours = list
            case "otherBehaviour": otherBehaviour = try r.readNull() ? nil : try r.readString()
            case "subject": subject = try readSubject(&r)
            case "personAtRisk":
                var ageBand: SubjectDescription.AgeBand?
                var intoxicated: Bool?
                var alone: Bool?
                try r.readObject { r, key in
                    switch key {
                    case "ageBand": ageBand = try r.readEnum(SubjectDescription.AgeBand.self)
                    case "appearedIntoxicated": intoxicated = try r.readNull() ? nil : try r.readBool()
                    case "wasAlone": alone = try r.readNull() ? nil : try r.readBool()
                    default: try r.skipValue()
                    }
                }
                personAtRisk = PersonAtRisk(
                    ageBand: try required(ageBand, "ageBand"),
                    appearedIntoxicated: intoxicated,
                    wasAlone: alone
                )
            case "riskLevel": riskLevel = try r.readEnum(RiskLevel.self)
            case "narrative": narrative = try r.readString()
            default: try r.skipValue()
            }
        }
        return Sighting(
            id: try required(id, "id"),
            occurredAt: try required(occurredAt, "occurredAt"),
            recordedAt: try required(recordedAt, "recordedAt"),
            reporter: try required(reporter, "reporter"),
            location: try required(location, "location"),
            behaviours: try required(behaviours, "behaviours"),
            otherBehaviour: otherBehaviour,
            subject: try required(subject, "subject"),
            personAtRisk: try required(personAtRisk, "personAtRisk"),
            riskLevel: try required(riskLevel, "riskLevel"),
            narrative: try required(narrative, "narrative")
        )
    }

    private static func readSubject(_ r: inout JSONReader) throws -> SubjectDescription {
        var sex: SubjectDescription.Sex?
        var ageBand: SubjectDescription.AgeBand?
        var heightBand: SubjectDescription.HeightBand?
        var build: SubjectDescription.Build?
        var clothing: String?
        var features: String?
        var ethnicity: String?
        try r.readObject { r, key in
            switch key {
            case "sex": sex = try r.readEnum(SubjectDescription.Sex.self)
            case "ageBand": ageBand = try r.readEnum(SubjectDescription.AgeBand.self)
            case "heightBand": heightBand = try r.readEnum(SubjectDescription.HeightBand.self)
            case "build": build = try r.readEnum(SubjectDescription.Build.self)
            case "clothing": clothing = try r.readNull() ? nil : try r.readString()
            case "distinguishingFeatures": features = try r.readNull() ? nil : try r.readString()
            case "perceivedEthnicity": ethnicity = try r.readNull() ? nil : try r.readString()
            default: try r.skipValue()
            }
        }
        return SubjectDescription(
            sex: try required(sex, "sex"),
            ageBand: try required(ageBand, "ageBand"),
            heightBand: try required(heightBand, "heightBand"),
            build: try required(build, "build"),
            clothing: clothing,
            distinguishingFeatures: features,
            perceivedEthnicity: ethnicity
        )
    }

    private static func readLocation(_ r: inout JSONReader) throws -> Location {
        var location = Location()
        try r.readObject { r, key in
            switch key {
            case "venueId": location.venueId = try r.readNull() ? nil : try r.readString()
            case "place": location.place = try r.readNull() ? nil : try r.readString()
            case "latitude": location.latitude = try r.readNull() ? nil : try r.readDouble()
            case "longitude": location.longitude = try r.readNull() ? nil : try r.readDouble()
            default: try r.skipValue()
            }
        }
        return location
    }

    private static func readIntervention(_ r: inout JSONReader) throws -> Intervention {
        var id: UUID?
        var sightingId: UUID?
        var occurredAt: Date?
        var recordedAt: Date?
        var by: String?
        var location: Location?
        var actions: [InterventionAction]?
        var outcome: Outcome?
        var notes: String?
        var authorisationId: UUID?
        var outsideAuthorisation: Bool?
        try r.readObject { r, key in
            switch key {
            case "id": id = try r.readUUID()
            case "sightingId": sightingId = try r.readNull() ? nil : try r.readUUID()
            case "authorisationId": authorisationId = try r.readNull() ? nil : try r.readUUID()
            case "outsideAuthorisation": outsideAuthorisation = try r.readNull() ? nil : try r.readBool()
            case "occurredAt": occurredAt = try r.readDate()
            case "recordedAt": recordedAt = try r.readDate()
            case "by": by = try r.readString()
            case "location": location = try readLocation(&r)
            case "actions":
                var list: [InterventionAction] = []
                try r.readArray { r in list.append(try r.readEnum(InterventionAction.self)) }
                actions = list
            case "outcome": outcome = try r.readEnum(Outcome.self)
            case "notes": notes = try r.readString()
            default: try r.skipValue()
            }
        }
        return Intervention(
            id: try required(id, "id"),
            sightingId: sightingId,
            occurredAt: try required(occurredAt, "occurredAt"),
            recordedAt: try required(recordedAt, "recordedAt"),
            by: try required(by, "by"),
            location: try required(location, "location"),
            actions: try required(actions, "actions"),
            outcome: try required(outcome, "outcome"),
            notes: try required(notes, "notes"),
            authorisationId: authorisationId,
            outsideAuthorisation: outsideAuthorisation
        )
    }

    private static func readNote(_ r: inout JSONReader) throws -> Note {
        var id: UUID?
        var recordId: UUID?
        var author: String?
        var recordedAt: Date?
        var text: String?
        try r.readObject { r, key in
            switch key {
            case "id": id = try r.readUUID()
            case "recordId": recordId = try r.readUUID()
            case "author": author = try r.readString()
            case "recordedAt": recordedAt = try r.readDate()
            case "text": text = try r.readString()
            default: try r.skipValue()
            }
        }
        return Note(
            id: try required(id, "id"),
            recordId: try required(recordId, "recordId"),
            author: try required(author, "author"),
            recordedAt: try required(recordedAt, "recordedAt"),
            text: try required(text, "text")
        )
    }

    private static func readAmendment(_ r: inout JSONReader) throws -> Amendment {
        var field: AmendableField?
        var value: String?
        var reason: String?
        var replaced: String?
        try r.readObject { r, key in
            switch key {
            case "field": field = try r.readEnum(AmendableField.self)
            case "value": value = try r.readString()
            case "reason": reason = try r.readString()
            case "replaced": replaced = try r.readNull() ? nil : try r.readString()
            default: try r.skipValue()
            }
        }
        return Amendment(
            field: try required(field, "field"),
            value: try required(value, "value"),
            reason: try required(reason, "reason"),
            replaced: replaced
        )
    }

    private static func readRedaction(_ r: inout JSONReader) throws -> Redaction {
        var reason: RedactionReason?
        var explanation: String?
        try r.readObject { r, key in
            switch key {
            case "reason": reason = try r.readEnum(RedactionReason.self)
            case "explanation": explanation = try r.readString()
            default: try r.skipValue()
            }
        }
        return Redaction(reason: try required(reason, "reason"), explanation: try required(explanation, "explanation"))
    }

    private static func readRegister(_ r: inout JSONReader) throws -> RegisterWrite {
        var register: String?
        var review: ReviewStatus?
        var grading: IntelligenceGrading?
        var reviewOn: Date?
        var link: RecordLink?
        var present: Bool?
        try r.readObject { r, key in
            switch key {
            case "register": register = try r.readString()
            case "review": review = try r.readEnum(ReviewStatus.self)
            case "grading":
                guard try !r.readNull() else { return }
                var source: IntelligenceGrading.SourceEvaluation?
                var intelligence: IntelligenceGrading.IntelligenceAssessment?
                var handling: IntelligenceGrading.HandlingCode?
                try r.readObject { r, key in
                    switch key {
                    case "source": source = try r.readEnum(IntelligenceGrading.SourceEvaluation.self)
                    case "intelligence": intelligence = try r.readEnum(IntelligenceGrading.IntelligenceAssessment.self)
                    case "handling": handling = try r.readEnum(IntelligenceGrading.HandlingCode.self)
                    default: try r.skipValue()
                    }
                }
                grading = IntelligenceGrading(
                    source: try required(source, "source"),
                    intelligence: try required(intelligence, "intelligence"),
                    handling: try required(handling, "handling")
                )
            case "reviewOn": reviewOn = try r.readNull() ? nil : try r.readDate()
            case "link":
                var target: UUID?
                var kind: RecordLink.LinkKind?
                try r.readObject { r, key in
                    switch key {
                    case "target": target = try r.readUUID()
                    case "kind": kind = try r.readEnum(RecordLink.LinkKind.self)
                    default: try r.skipValue()
                    }
                }
                link = RecordLink(target: try required(target, "target"), kind: try required(kind, "kind"))
            case "present": present = try r.readBool()
            default: try r.skipValue()
            }
        }
        switch try required(register, "register") {
        case "review": return .review(try required(review, "review"))
        case "grading": return .grading(grading)
        case "retention-review": return .retentionReview(reviewOn)
        case "link": return .link(try required(link, "link"), present: try required(present, "present"))
        default: throw JSONReader.Failure(reason: "unknown register")
        }
    }
}
