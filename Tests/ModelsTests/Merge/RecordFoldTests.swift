import Foundation
import Models
import Testing

private func currentSighting(_ state: RecordState?) -> Sighting? {
    guard case .sighting(let sighting)? = state?.current else { return nil }
    return sighting
}

private func isRefused(_ standing: AmendmentEntry.Standing, code: String) -> Bool {
    if case .refused(let refusedCode, _) = standing { refusedCode == code } else { false }
}

@Suite("Record fold")
struct RecordFoldTests {
    let sighting: Sighting
    let create: LogOperation

    init() {
        sighting = Fixture.sighting()
        create = Fixture.create(.sighting(sighting), hlc: Fixture.stamp(1000))
    }

    @Test("an amendment keeps the original and records the value it replaced")
    func historyKeepsOriginal() throws {
        let toHigh = Fixture.amend(sighting.id, .riskLevel, to: "high", hlc: Fixture.stamp(2000))
        let toLow = Fixture.amend(sighting.id, .riskLevel, to: "low", hlc: Fixture.stamp(3000))
        let state = try #require(RecordFold.fold([toLow, create, toHigh]))

        #expect(state.id == sighting.id)
        #expect(state.type == .sighting)
        #expect(state.original == .sighting(sighting))
        #expect(state.created == OperationStamp(create))
        #expect(currentSighting(state)?.riskLevel == .low)
        var expected = sighting
        expected.riskLevel = .low
        #expect(state.current == .sighting(expected))

        #expect(state.amendments.map(\.stamp) == [OperationStamp(toHigh), OperationStamp(toLow)])
        #expect(state.amendments.map(\.previousValue) == ["medium", "high"])
        #expect(state.amendments.map(\.standing) == [.superseded, .current])
        #expect(
            state.amendments[0].amendment
                == Amendment(field: .riskLevel, value: "high", reason: "Corrected after checking CCTV")
        )
        #expect(state.refusedCreates.isEmpty)
    }

    /// Issue 12: the record says "Concert Square"; one device corrects it to Seel Street and syncs, another that
    /// never saw that corrects "Concert Square" to Wood Street.
    @Test("the history keeps what each amender replaced, and marks an amendment that crossed one it never saw")
    func crossedAmendments() throws {
        let square = "Concert Square, by the fountain"
        let seel = Fixture.amend(
            sighting.id,
            .place,
            to: "Seel Street",
            replacing: square,
            device: "dev-pc4127",
            author: "PC-4127",
            hlc: Fixture.stamp(2000)
        )
        let wood = Fixture.amend(
            sighting.id,
            .place,
            to: "Wood Street",
            replacing: square,
            device: "dev-ps0311",
            author: "PS-0311",
            hlc: Fixture.stamp(3000)
        )
        for order in [[create, seel, wood], [wood, seel, create], [seel, create, wood, seel]] {
            let state = try #require(RecordFold.fold(order))
            #expect(currentSighting(state)?.location.place == "Wood Street")
            #expect(state.amendments.map(\.stamp) == [OperationStamp(seel), OperationStamp(wood)])
            #expect(state.amendments.map(\.replacedValue) == [square, square])
            #expect(state.amendments.map(\.previousValue) == [square, "Seel Street"])
            #expect(state.amendments[0].crossing == nil)
            #expect(state.amendments[1].crossing == AmendmentEntry.Crossing(unseen: OperationStamp(seel)))
            #expect(state.amendments.map(\.standing) == [.superseded, .current])
        }
        // Had the second amender seen Seel Street, nothing crossed.
        let afterSeel = Fixture.amend(
            sighting.id,
            .place,
            to: "Wood Street",
            replacing: "Seel Street",
            device: "dev-ps0311",
            author: "PS-0311",
            hlc: Fixture.stamp(3000)
        )
        let sequential = try #require(RecordFold.fold([create, seel, afterSeel]))
        #expect(sequential.amendments.map(\.crossing) == [nil, nil])
        #expect(sequential.amendments.map(\.replacedValue) == [square, "Seel Street"])
        // Two who made the same correction crossed all the same: the second never saw the first.
        let sameAgain = Fixture.amend(
            sighting.id,
            .place,
            to: "Seel Street",
            replacing: square,
            hlc: Fixture.stamp(3000)
        )
        let same = try #require(RecordFold.fold([create, seel, sameAgain]))
        #expect(same.amendments.map(\.crossing) == [nil, AmendmentEntry.Crossing(unseen: OperationStamp(seel))])
    }

    @Test("an amendment that replaced a value no earlier amendment here set crosses none by name")
    func crossedNoKnownAmendment() throws {
        // The change this amender saw was refused here (or never reached this replica's fold).
        let refused = Fixture.amend(sighting.id, .place, to: "", hlc: Fixture.stamp(1500))
        let clearVenue = Fixture.amend(sighting.id, .venue, to: "", hlc: Fixture.stamp(1000, 1))
        let bold = Fixture.amend(sighting.id, .place, to: "Bold Street", replacing: "", hlc: Fixture.stamp(2000))
        let state = try #require(RecordFold.fold([create, clearVenue, refused, bold]))
        #expect(isRefused(state.amendments[1].standing, code: "no-place"))
        #expect(state.amendments[2].previousValue == "Concert Square, by the fountain")
        #expect(state.amendments[2].replacedValue == "")
        #expect(state.amendments[2].crossing == AmendmentEntry.Crossing(unseen: nil))
    }

    @Test("an amendment that does not say what it replaced (an older device's) shows the merge order's value")
    func olderAmendments() throws {
        let seel = Fixture.amend(sighting.id, .place, to: "Seel Street", hlc: Fixture.stamp(2000))
        let wood = Fixture.amend(sighting.id, .place, to: "Wood Street", hlc: Fixture.stamp(3000))
        let state = try #require(RecordFold.fold([create, wood, seel]))
        #expect(state.amendments.map(\.replacedValue) == ["Concert Square, by the fountain", "Seel Street"])
        #expect(state.amendments.map(\.crossing) == [nil, nil])
    }

    @Test("a state stored before amendments said what they replaced decodes; a crossing survives a round trip")
    func storedStates() throws {
        let square = "Concert Square, by the fountain"
        let seel = Fixture.amend(sighting.id, .place, to: "Seel Street", replacing: square, hlc: Fixture.stamp(2000))
        let wood = Fixture.amend(sighting.id, .place, to: "Wood Street", replacing: square, hlc: Fixture.stamp(3000))
        let crossed = try #require(RecordFold.fold([create, seel, wood]))
        let encoded = try WireCoding.encode(crossed)
        #expect(try WireCoding.decode(RecordState.self, from: encoded) == crossed)
        let entry = try #require((try jsonObject(crossed)["amendments"] as? [[String: Any]])?.last)
        #expect(Set(entry.keys) == ["stamp", "amendment", "previousValue", "standing", "crossing"])
        #expect((entry["amendment"] as? [String: Any])?["replaced"] as? String == square)

        // As an older version stored a note's state: no `replaced`, no `crossing`.
        let note =
            #"{"record":{"author":"PC-4127","id":"0B6A5C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D","recordId":"1B6A5C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D","recordedAt":"2026-11-21T23:40:00.000Z","text":"TEXT"},"type":"note"}"#
        let stamp = #"{"author":"PC-4127","deviceId":"dev-pc4127","hlc":HLC,"opId":"OPID"}"#
        let stored =
            #"{"amendments":[{"amendment":{"field":"text","reason":"Typo","value":"CCTV kept"},"#
            + #""previousValue":"CCTV kep","stamp":"#
            + stamp.replacingOccurrences(of: "HLC", with: "2000").replacingOccurrences(
                of: "OPID",
                with: "2B6A5C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D"
            )
            + #","standing":{"current":{}}}],"created":"#
            + stamp.replacingOccurrences(of: "HLC", with: "1000").replacingOccurrences(
                of: "OPID",
                with: "3B6A5C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D"
            )
            + #","current":"# + note.replacingOccurrences(of: "TEXT", with: "CCTV kept")
            + #","id":"0B6A5C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D","original":"#
            + note.replacingOccurrences(of: "TEXT", with: "CCTV kep") + #","refusedCreates":[]}"#
        let decoded = try RecordState.fromStorage(
            state: stored,
            createOperation: nil,
            decoder: WireCoding.makeDecoder()
        )
        #expect(decoded.amendments.count == 1)
        #expect(decoded.amendments[0].amendment.replaced == nil)
        #expect(decoded.amendments[0].replacedValue == "CCTV kep")
        #expect(decoded.amendments[0].crossing == nil)
        #expect(AmendableField.text.value(in: decoded.current) == "CCTV kept")
    }

    @Test("amendments of different fields each stand")
    func differentFields() throws {
        let risk = Fixture.amend(sighting.id, .riskLevel, to: "high", hlc: Fixture.stamp(2000))
        let place = Fixture.amend(sighting.id, .place, to: "Bold Street", hlc: Fixture.stamp(2000, 1))
        let state = try #require(RecordFold.fold([create, place, risk]))
        #expect(state.amendments.map(\.standing) == [.current, .current])
        #expect(currentSighting(state)?.riskLevel == .high)
        #expect(currentSighting(state)?.location.place == "Bold Street")
        #expect(state.original == .sighting(sighting))
    }

    @Test("the amendment with the later clock stamp wins, whatever the arrival order")
    func lastWriterWins() throws {
        let earlier = Fixture.amend(
            sighting.id,
            .narrative,
            to: "Earlier",
            device: "dev-z",
            hlc: Fixture.stamp(2000, 5)
        )
        let later = Fixture.amend(sighting.id, .narrative, to: "Later", device: "dev-a", hlc: Fixture.stamp(2000, 6))
        for order in [[create, earlier, later], [later, earlier, create], [earlier, create, later]] {
            let state = try #require(RecordFold.fold(order))
            #expect(currentSighting(state)?.narrative == "Later")
            #expect(state.amendments.map(\.stamp.opId) == [earlier.opId, later.opId])
            #expect(state.amendments.map(\.standing) == [.superseded, .current])
        }
    }

    @Test("on equal clock stamps the higher device id wins, whatever the operation ids")
    func tieBrokenByDevice() throws {
        let stamp = Fixture.stamp(2000, 3)
        let fromA = Fixture.amend(
            sighting.id,
            .riskLevel,
            to: "high",
            device: "dev-a",
            hlc: stamp,
            opId: UUID(uuidString: "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF")!
        )
        let fromB = Fixture.amend(
            sighting.id,
            .riskLevel,
            to: "low",
            device: "dev-b",
            hlc: stamp,
            opId: UUID(uuidString: "00000000-0000-4000-8000-000000000000")!
        )
        for order in [[create, fromA, fromB], [fromB, fromA, create]] {
            let state = try #require(RecordFold.fold(order))
            #expect(currentSighting(state)?.riskLevel == .low)
            #expect(state.amendments.map(\.stamp.deviceId) == ["dev-a", "dev-b"])
            #expect(state.amendments.map(\.standing) == [.superseded, .current])
            #expect(state.amendments.map(\.previousValue) == ["medium", "high"])
        }
    }

    @Test("on equal clock stamps and devices the higher operation id wins")
    func tieBrokenByOperationId() throws {
        let stamp = Fixture.stamp(2000)
        let first = Fixture.amend(
            sighting.id,
            .riskLevel,
            to: "high",
            hlc: stamp,
            opId: UUID(uuidString: "0000000A-0000-4000-8000-000000000000")!
        )
        let second = Fixture.amend(
            sighting.id,
            .riskLevel,
            to: "low",
            hlc: stamp,
            opId: UUID(uuidString: "0000000B-0000-4000-8000-000000000000")!
        )
        let state = try #require(RecordFold.fold([second, create, first]))
        #expect(currentSighting(state)?.riskLevel == .low)
        #expect(state.amendments.map(\.standing) == [.superseded, .current])
    }

    @Test("a second create for the same record never overwrites the original")
    func secondCreateRefused() throws {
        var rival = sighting
        rival.riskLevel = .high
        rival.narrative = "A different account"
        let second = Fixture.create(.sighting(rival), device: "dev-other", hlc: Fixture.stamp(5000))
        let amend = Fixture.amend(sighting.id, .place, to: "Bold Street", hlc: Fixture.stamp(3000))
        for order in [[create, amend, second], [second, amend, create]] {
            let state = try #require(RecordFold.fold(order))
            #expect(state.original == .sighting(sighting))
            #expect(state.created == OperationStamp(create))
            #expect(state.refusedCreates == [OperationStamp(second)])
            #expect(currentSighting(state)?.riskLevel == .medium)
            #expect(currentSighting(state)?.narrative == sighting.narrative)
            #expect(currentSighting(state)?.location.place == "Bold Street")
        }
    }

    @Test("a create of another kind with the same id is refused too")
    func secondCreateOfAnotherKind() throws {
        let note = Note(id: sighting.id, recordId: UUID(), author: Fixture.reporter, recordedAt: Fixture.now, text: "x")
        let second = Fixture.create(.note(note), hlc: Fixture.stamp(1500))
        let state = try #require(RecordFold.fold([second, create]))
        #expect(state.type == .sighting)
        #expect(state.original == .sighting(sighting))
        #expect(state.refusedCreates == [OperationStamp(second)])
    }

    @Test("an invalid amendment is refused and does not change the current record")
    func invalidAmendmentRefused() throws {
        let good = Fixture.amend(sighting.id, .riskLevel, to: "high", hlc: Fixture.stamp(2000))
        let badValue = Fixture.amend(sighting.id, .riskLevel, to: "extreme", hlc: Fixture.stamp(3000))
        let breaksRule = Fixture.amend(sighting.id, .behaviours, to: "", hlc: Fixture.stamp(4000))
        let noReason = Fixture.amend(sighting.id, .narrative, to: "Changed", reason: " ", hlc: Fixture.stamp(5000))
        let wrongKind = Fixture.amend(sighting.id, .outcome, to: "arrested", hlc: Fixture.stamp(6000))
        let state = try #require(RecordFold.fold([create, good, badValue, breaksRule, noReason, wrongKind]))

        var expected = sighting
        expected.riskLevel = .high
        #expect(state.current == .sighting(expected))
        #expect(state.original == .sighting(sighting))
        #expect(state.amendments.count == 5)
        #expect(state.amendments[0].standing == .current)
        #expect(isRefused(state.amendments[1].standing, code: "bad-value"))
        #expect(isRefused(state.amendments[2].standing, code: "no-behaviour"))
        #expect(isRefused(state.amendments[3].standing, code: "empty-reason"))
        #expect(isRefused(state.amendments[4].standing, code: "field-not-amendable"))
        #expect(state.amendments[1].previousValue == "high")
    }

    @Test("an amendment is checked against the record as amended so far")
    func checkedAgainstCurrent() throws {
        let clearPlace = Fixture.amend(sighting.id, .place, to: "", hlc: Fixture.stamp(2000))
        let clearVenue = Fixture.amend(sighting.id, .venue, to: "", hlc: Fixture.stamp(3000))
        let state = try #require(RecordFold.fold([create, clearVenue, clearPlace]))
        #expect(state.amendments[0].standing == .current)
        #expect(isRefused(state.amendments[1].standing, code: "no-place"))
        #expect(currentSighting(state)?.location == Location(venueId: Fixture.venue))
    }

    /// Each of the two fields is checked alone against the other's old value, so 'other' can never be added to
    /// (or removed from) a sighting's behaviours: whichever amendment comes first is refused, then so is the second.
    @Test("'other' and its description can be added to a sighting by two amendments")
    func addOther() throws {
        let describe = Fixture.amend(sighting.id, .otherBehaviour, to: "Filming women", hlc: Fixture.stamp(2000))
        let addOther = Fixture.amend(sighting.id, .behaviours, to: "following,other", hlc: Fixture.stamp(3000))
        let describeFirst = try #require(RecordFold.fold([create, describe, addOther]))
        let addOtherLater = Fixture.amend(sighting.id, .otherBehaviour, to: "Filming women", hlc: Fixture.stamp(4000))
        let behavioursFirst = try #require(RecordFold.fold([create, addOther, addOtherLater]))
        #expect(currentSighting(describeFirst)?.behaviours == [.following, .other])
        #expect(currentSighting(behavioursFirst)?.behaviours == [.following, .other])
    }

    @Test("a repeated operation counts once")
    func duplicates() throws {
        let amend = Fixture.amend(sighting.id, .riskLevel, to: "high", hlc: Fixture.stamp(2000))
        let once = try #require(RecordFold.fold([create, amend]))
        let repeated = try #require(RecordFold.fold([amend, create, amend, create, amend]))
        #expect(repeated == once)
        #expect(repeated.amendments.count == 1)
        #expect(repeated.refusedCreates.isEmpty)
    }

    @Test("without a create there is no record")
    func noCreate() {
        #expect(RecordFold.fold([LogOperation]()) == nil)
        let amendments = [
            Fixture.amend(sighting.id, .riskLevel, to: "high", hlc: Fixture.stamp(2000)),
            Fixture.amend(sighting.id, .narrative, to: "x", hlc: Fixture.stamp(3000)),
        ]
        #expect(RecordFold.fold(amendments) == nil)
    }

    @Test("intervention and note amendments apply to their own fields")
    func otherKinds() throws {
        let intervention = Fixture.intervention(sightingId: sighting.id)
        let createIntervention = Fixture.create(.intervention(intervention), hlc: Fixture.stamp(1000))
        let outcome = Fixture.amend(intervention.id, .outcome, to: "dispersed", hlc: Fixture.stamp(2000))
        let state = try #require(RecordFold.fold([outcome, createIntervention]))
        guard case .intervention(let current) = state.current else {
            Issue.record("The current record is not an intervention")
            return
        }
        #expect(current.outcome == .dispersed)
        #expect(state.amendments.first?.previousValue == "advice-given")
        #expect(state.parentId == sighting.id)

        let note = Fixture.note(recordId: intervention.id)
        let text = Fixture.amend(note.id, .text, to: "CCTV not kept after all.", hlc: Fixture.stamp(2000))
        let noteState = try #require(RecordFold.fold([Fixture.create(.note(note), hlc: Fixture.stamp(1000)), text]))
        #expect(noteState.current.recordedAt == note.recordedAt)
        #expect(AmendableField.text.value(in: noteState.current) == "CCTV not kept after all.")
        #expect(noteState.parentId == intervention.id)
        #expect(try #require(RecordFold.fold([create])).parentId == nil)
    }
}
