import Foundation
import Models
import Testing

/// Clock stamps as numbers (protocol version 1) and as strings of their digits (version 2): both decoders read
/// both forms alike and refuse the same misspellings; the server's writers put each version's form; and a push
/// refuses a stamp outside the plausible years, whichever decoder reads it.
@Suite("Clock stamp forms")
struct ClockStampFormTests {
    static let operation = Fixture.create(.sighting(Fixture.fullSighting()))
    static let base = String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
    static let hlc = String(operation.hlc.rawValue)

    static func withStamp(_ text: String) -> Data {
        let parts = base.components(separatedBy: "\"hlc\":\(hlc)")
        precondition(parts.count == 2)
        return Data((parts[0] + "\"hlc\":" + text + parts[1]).utf8)
    }

    @Test("y_ a stamp as a string of its digits reads as the number does, in both decoders")
    func textAccepted() throws {
        for text in ["\"\(Self.hlc)\"", " \"\(Self.hlc)\" ", Self.hlc, "\"0\"", "\"9223372036854775807\""] {
            let body = Self.withStamp(text)
            let fast = try WireCoding.decodeOperation(body)
            let foundation = try WireCoding.decode(LogOperation.self, from: body)
            #expect(fast == foundation, "\(text)")
        }
        #expect(try WireCoding.decodeOperation(Self.withStamp("\"\(Self.hlc)\"")) == Self.operation)
        // An escape spells the same digits.
        let escaped = "\"\\u0031\(Self.hlc.dropFirst())\""
        #expect(try WireCoding.decodeOperation(Self.withStamp(escaped)) == Self.operation)
        #expect(try WireCoding.decode(LogOperation.self, from: Self.withStamp(escaped)) == Self.operation)
    }

    @Test(
        "n_ a string that is not a stamp's plain digits is refused by both decoders",
        arguments: [
            "\"\"", "\"01\"", "\"+1\"", "\"-1\"", "\" 1\"", "\"1 \"", "\"1.0\"", "\"1e3\"", "\"0x10\"",
            "\"9223372036854775808\"", "\"12345678901234567890\"", "\"١٢\"", "[\"1\"]",
        ]
    )
    func textRefused(text: String) {
        let body = Self.withStamp(text)
        #expect(throws: (any Error).self) { try WireCoding.decodeOperation(body) }
        #expect(throws: (any Error).self) { try WireCoding.decode(LogOperation.self, from: body) }
    }

    @Test("version 2 writes serverClock and every operation's hlc as strings; version 1 as numbers")
    func writers() throws {
        let stamp = HLCTimestamp(rawValue: (1 << 53) + 1)
        let pushAnswer = PushResponse(accepted: [], rejected: [], serverClock: stamp)
        let text = String(decoding: try WireCoding.encode(pushAnswer, clockStamps: .text), as: UTF8.self)
        #expect(text.contains("\"serverClock\":\"9007199254740993\""))
        let number = String(decoding: try WireCoding.encode(pushAnswer), as: UTF8.self)
        #expect(number.contains("\"serverClock\":9007199254740993"))
        #expect(try WireCoding.decode(PushResponse.self, from: Data(text.utf8)) == pushAnswer)

        let encoded = WireCoding.encodeOperation(Self.operation)
        for form in [ClockStampForm.number, .text] {
            let page = WireAssembly.pullResponse(
                clockStamps: form,
                operations: [(seq: 7, encodedOperation: encoded)],
                cursor: 7,
                hasMore: false,
                serverClock: stamp
            )
            let pageText = String(decoding: page, as: UTF8.self)
            let quote = form == .text ? "\"" : ""
            #expect(pageText.contains("\"hlc\":\(quote)\(Self.hlc)\(quote),"), "\(pageText)")
            #expect(pageText.contains("\"serverClock\":\(quote)9007199254740993\(quote)"), "\(pageText)")
            let fast = try WireCoding.decodePullResponse(page)
            #expect(try WireCoding.decode(PullResponse.self, from: page) == fast)
            #expect(fast.serverClock == stamp)
            #expect(fast.operations.first?.operation == Self.operation)
            // Kept as stored: the stamp a number again.
            #expect(fast.operations.first?.encoded == Self.base)
        }
        #expect(WireCoding.protocolVersion == 2)
        #expect(ClockStampForm(protocolVersion: 1) == .number)
        #expect(ClockStampForm(protocolVersion: WireCoding.protocolVersion) == .text)
    }

    @Test("quoting touches only the operation's own stamp, not text that looks like one")
    func quotingOnlyTheStamp() throws {
        var sighting = Fixture.fullSighting()
        sighting.narrative = #"Wrote "hlc":5 on a napkin."#
        let operation = Fixture.create(.sighting(sighting))
        let stored = WireCoding.encodeOperation(operation)
        let quoted = WireCoding.quotingStamp(stored)
        #expect(quoted.count == stored.count + 2)
        #expect(try WireCoding.decodeOperation(quoted) == operation)
        #expect(WireCoding.quotingStamp(quoted) == quoted, "quoting twice changes nothing")
        #expect(
            WireCoding.unquotingStamp(String(decoding: quoted, as: UTF8.self))
                == String(decoding: stored, as: UTF8.self)
        )
        #expect(
            WireCoding.unquotingStamp(String(decoding: stored, as: UTF8.self))
                == String(decoding: stored, as: UTF8.self)
        )
    }

    @Test("a push with a stamp outside 2020–2200 is refused by both decoders, at the stamp's field")
    func implausiblePushRefused() throws {
        let good = Fixture.create(.sighting(Fixture.fullSighting()), hlc: Fixture.stamp())
        for raw: Int64 in [
            0, 1_733_500_000_000, HLCTimestamp.plausibleWallMilliseconds.lowerBound << 16 - 1,
            (HLCTimestamp.plausibleWallMilliseconds.upperBound + 1) << 16, Int64.max,
        ] {
            var bad = good
            bad.opId = UUID()
            bad.hlc = HLCTimestamp(rawValue: raw)
            for version in [1, 2] {
                let body =
                    version == 2
                    ? try WireAssembly.pushRequest(
                        deviceId: good.deviceId,
                        encodedOperations: [good, bad].map(WireCoding.encodeOperation)
                    )
                    : try WireCoding.encode(
                        PushRequest(protocolVersion: 1, deviceId: good.deviceId, operations: [good, bad])
                    )
                for decode in [WireCoding.decodePushRequest, { try WireCoding.decode(PushRequest.self, from: $0) }] {
                    do {
                        _ = try decode(body)
                        Issue.record("stamp \(raw) in version \(version) was accepted")
                    } catch DecodingError.dataCorrupted(let context) {
                        #expect(context.underlyingError is ClockStampOutOfRange)
                        #expect(
                            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == [
                                "operations", "1", "hlc",
                            ]
                        )
                    }
                }
            }
        }
        // The bounds themselves are plausible.
        for wall in [
            HLCTimestamp.plausibleWallMilliseconds.lowerBound, HLCTimestamp.plausibleWallMilliseconds.upperBound,
        ] {
            var edge = good
            edge.hlc = HLCTimestamp(wallMilliseconds: wall, counter: .max)
            let body = try WireAssembly.pushRequest(
                deviceId: good.deviceId,
                encodedOperations: [WireCoding.encodeOperation(edge)]
            )
            #expect(try WireCoding.decodePushRequest(body).operations == [edge])
            #expect(try WireCoding.decode(PushRequest.self, from: body).operations == [edge])
        }
    }
}
