import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import Testing

/// Clock stamps over real HTTP in both protocol versions: version 1 (numbers, what older devices speak) is still
/// served as before; version 2 writes them as strings that a parser of doubles keeps exact; a stamp that is no
/// clock stamp (plain milliseconds) is refused in either form.
@Suite("Clock stamps on the wire, both protocol versions")
struct ClockStampVersionTests {
    /// Runs `body` against a live server with the fixture officer's device enrolled.
    func withLiveServer(
        _ body: @escaping @Sendable (SignedClient, SQLiteCentralStore) async throws -> Void
    ) async throws {
        try await withStore { store in
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
            let app = CentralServer.buildApplication(
                configuration: CentralConfiguration(host: "127.0.0.1", port: 0),
                store: store,
                logger: quietLogger
            )
            try await app.test(.live) { live in try await body(SignedClient(base: live, token: token), store) }
        }
    }

    /// The text of every `"key":value` in a body: the value exactly as sent, quotes included.
    func values(of key: String, in text: String) -> [String] {
        let pattern = try! Regex("\"\(key)\":(\"[0-9]*\"|[0-9]+)")
        return text.matches(of: pattern).map { String(text[$0.range].dropFirst(key.count + 3)) }
    }

    @Test("a version 1 client pushes and pulls stamps as numbers, exactly as before")
    func versionOneStillServed() async throws {
        try await withLiveServer { client, _ in
            let operations = [Fixture.createSighting(), Fixture.createSighting()]
            let push = try await client.post(
                "/v1/sync/push",
                body: try WireCoding.encode(
                    PushRequest(protocolVersion: 1, deviceId: Fixture.deviceId, operations: operations)
                )
            )
            #expect(push.status == .ok, "\(push.text)")
            let pushClock = try #require(values(of: "serverClock", in: push.text).first)
            #expect(pushClock.first != "\"", "a version 1 push is answered with a number: \(push.text)")

            let pull = try await client.execute(uri: "/v1/sync/pull?after=0", method: .get)
            #expect(pull.status == .ok, "\(pull.text)")
            #expect(values(of: "hlc", in: pull.text) == operations.map { String($0.hlc.rawValue) })
            let pullClock = try #require(values(of: "serverClock", in: pull.text).first)
            #expect(pullClock.first != "\"", "a pull that asks for no version is answered with numbers")
            let page = try WireCoding.decodePullResponse(pull.data)
            #expect(page.operations.map(\.operation) == operations)
            #expect(
                page.operations.map(\.encoded)
                    == operations.map { String(decoding: WireCoding.encodeOperation($0), as: UTF8.self) }
            )
        }
    }

    @Test("a version 2 client gets every stamp as a string of its digits, exact above 2^53")
    func versionTwoExact() async throws {
        try await withLiveServer { client, _ in
            let operations = [Fixture.createSighting(), Fixture.createSighting()]
            // Stamps today are about 1.2×10^17: a double cannot hold them.
            for operation in operations { #expect(operation.hlc.rawValue > 1 << 53) }
            let body = try WireAssembly.pushRequest(
                deviceId: Fixture.deviceId,
                encodedOperations: operations.map(WireCoding.encodeOperation)
            )
            #expect(
                values(of: "hlc", in: String(decoding: body, as: UTF8.self))
                    == operations.map { "\"\($0.hlc.rawValue)\"" }
            )
            let push = try await client.post("/v1/sync/push", body: body)
            #expect(push.status == .ok, "\(push.text)")
            let pushClock = try #require(values(of: "serverClock", in: push.text).first)
            #expect(pushClock.first == "\"", "a version 2 push is answered with a string: \(push.text)")
            let answer = try push.decode(PushResponse.self)
            #expect(answer.accepted == operations.map(\.opId))
            #expect("\"\(answer.serverClock.rawValue)\"" == pushClock)

            let pull = try await client.execute(uri: "/v1/sync/pull?after=0&protocolVersion=2", method: .get)
            #expect(pull.status == .ok, "\(pull.text)")
            #expect(values(of: "hlc", in: pull.text) == operations.map { "\"\($0.hlc.rawValue)\"" })
            let pullClock = try #require(values(of: "serverClock", in: pull.text).first)
            #expect(pullClock.first == "\"")
            // No number of 16 or more digits is left in the page for a parser of doubles to round.
            #expect(pull.text.matches(of: try Regex("[:,\\[][0-9]{16,}")).isEmpty, "\(pull.text)")
            let page = try WireCoding.decodePullResponse(pull.data)
            #expect(page.operations.map(\.operation) == operations)
            // What a device keeps is the stored form, stamps as numbers.
            #expect(
                page.operations.map(\.encoded)
                    == operations.map { String(decoding: WireCoding.encodeOperation($0), as: UTF8.self) }
            )
            #expect(try WireCoding.decode(PullResponse.self, from: pull.data) == page)
        }
    }

    @Test("a pull asking for an unknown protocol version is refused (400 bad-parameter)")
    func unknownPullVersion() async throws {
        try await withLiveServer { client, _ in
            for version in ["0", "3", "two"] {
                let pull = try await client.execute(uri: "/v1/sync/pull?protocolVersion=\(version)", method: .get)
                try expectError(pull, status: .badRequest, code: "bad-parameter")
            }
        }
    }

    @Test("a stamp in plain milliseconds, or beyond 2200, is refused with 400 clock-out-of-range naming the field")
    func implausibleStampRefused() async throws {
        try await withLiveServer { client, store in
            let good = Fixture.createSighting()
            let milliseconds = Date().millisecondsSince1970
            let beyond = HLCTimestamp(
                wallMilliseconds: HLCTimestamp.plausibleWallMilliseconds.upperBound + 1,
                counter: 0
            )
            for (stamp, version) in [(milliseconds, 1), (milliseconds, 2), (beyond.rawValue, 1), (0, 2)] {
                var bad = Fixture.createSighting()
                bad.hlc = HLCTimestamp(rawValue: stamp)
                let operations = [good, bad].map(WireCoding.encodeOperation)
                let body =
                    version == 2
                    ? try WireAssembly.pushRequest(deviceId: Fixture.deviceId, encodedOperations: operations)
                    : try WireCoding.encode(
                        PushRequest(protocolVersion: 1, deviceId: Fixture.deviceId, operations: [good, bad])
                    )
                let response = try await client.post("/v1/sync/push", body: body)
                let error = try expectError(response, status: .badRequest, code: "clock-out-of-range")
                #expect(error.message.contains("'operations[1].hlc'"), "\(error.message)")
                #expect(stamp == 0 || !error.message.contains(String(stamp)), "the value is not repeated")
            }
            #expect(try await store.operationCount() == 0, "nothing of a refused push is stored")
            // The bounds themselves are taken.
            var first = Fixture.createSighting()
            first.hlc = HLCTimestamp(wallMilliseconds: HLCTimestamp.plausibleWallMilliseconds.lowerBound, counter: 0)
            #expect(try await client.push([first]).status == .ok)
        }
    }
}

extension ClockStampVersionTests {
    @Test("reads of records write their stamps in the version asked for: numbers by default, strings in version 2")
    func recordReads() async throws {
        try await withLiveServer { client, store in
            let sighting = Fixture.createSighting()
            #expect(try await client.push([sighting]).status == .ok)
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let reads = [
                "/v1/records?reason=Checking%20stamps",
                "/v1/records/export?reason=Checking%20stamps&recipient=Licensing%20team&format=json",
                "/v1/records/\(sighting.recordId.text)?reason=Checking%20stamps",
            ]
            for read in reads {
                let plain = try await supervisor.execute(uri: read, method: .get)
                #expect(plain.status == .ok, "\(read): \(plain.text)")
                #expect(values(of: "hlc", in: plain.text) == [String(sighting.hlc.rawValue)], "\(read)")
                let text = try await supervisor.execute(uri: read + "&protocolVersion=2", method: .get)
                #expect(text.status == .ok, "\(read): \(text.text)")
                #expect(values(of: "hlc", in: text.text) == ["\"\(sighting.hlc.rawValue)\""], "\(read)")
                #expect(text.text.matches(of: try Regex("[:,\\[][0-9]{16,}")).isEmpty, "\(text.text)")
                let refused = try await supervisor.execute(uri: read + "&protocolVersion=3", method: .get)
                try expectError(refused, status: .badRequest, code: "bad-parameter")
            }
        }
    }
}
