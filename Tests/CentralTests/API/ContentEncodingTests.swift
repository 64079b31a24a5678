import Central
import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import NIOFoundationCompat
import Testing

/// gzip on the wire, negotiated with the standard headers; clients that ask for nothing get what they always did.
@Suite("gzip request and answer bodies")
struct ContentEncodingTests {
    private func gzip(_ data: Data) throws -> ByteBuffer {
        var buffer = ByteBuffer(data: data)
        return try buffer.compress(with: .gzip())
    }

    private func pushBody(_ operations: [LogOperation]) throws -> Data {
        try WireCoding.encode(
            PushRequest(protocolVersion: WireCoding.protocolVersion, deviceId: Fixture.deviceId, operations: operations)
        )
    }

    @Test("a gzip push is stored exactly as the same push sent plain")
    func gzipPush() async throws {
        try await withRouter { store, client in
            let operations = (0..<50).map { _ in Fixture.createSighting() }
            let response = try await client.execute(
                uri: "/v1/sync/push",
                method: .post,
                headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: try gzip(try pushBody(operations))
            )
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.decode(PushResponse.self).accepted == operations.map(\.opId))
            #expect(try await client.pull(after: 0).operations.map(\.operation) == operations)
            #expect(try await store.operationCount() == 50)
        }
    }

    @Test("gzip that inflates past the body limit is 413, gzip that is not gzip 400, another coding 415")
    func refusals() async throws {
        try await withRouter { store, client in
            // Mostly spaces: a few kilobytes on the wire, more than the limit once inflated.
            var padded = try pushBody([Fixture.createSighting()])
            padded.insert(
                contentsOf: Data(repeating: UInt8(ascii: " "), count: ProtocolLimits.maxRequestBodyBytes),
                at: 1
            )
            let bomb = try gzip(padded)
            #expect(bomb.readableBytes < ProtocolLimits.maxRequestBodyBytes / 100)
            let tooLarge = try await client.execute(
                uri: "/v1/sync/push",
                method: .post,
                headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: bomb
            )
            #expect(tooLarge.status == .contentTooLarge)
            let corrupt = try await client.execute(
                uri: "/v1/sync/push",
                method: .post,
                headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: ByteBuffer(data: try pushBody([Fixture.createSighting()]))
            )
            try expectError(corrupt, status: .badRequest, code: "bad-encoding")
            let brotli = try await client.execute(
                uri: "/v1/sync/push",
                method: .post,
                headers: [.contentType: "application/json", .contentEncoding: "br"],
                body: ByteBuffer(data: try pushBody([Fixture.createSighting()]))
            )
            try expectError(brotli, status: .unsupportedMediaType, code: "unsupported-encoding")
            #expect(brotli.headers[.acceptEncoding] == "gzip")
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("a page is gzip for a client that accepts it, the same JSON once inflated; plain for one that does not")
    func gzipAnswers() async throws {
        try await withRouter { _, client in
            _ = try await client.pushAccepted((0..<40).map { _ in Fixture.createSighting() })
            let plain = try await client.execute(uri: "/v1/sync/pull?after=0", method: .get)
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.acceptEncoding] == "gzip", "every answer says requests may be gzip")
            let compressed = try await client.execute(
                uri: "/v1/sync/pull?after=0",
                method: .get,
                headers: [.acceptEncoding: "deflate, gzip;q=0.8"]
            )
            #expect(compressed.headers[.contentEncoding] == "gzip")
            #expect(compressed.headers[.vary] == "Accept-Encoding")
            var body = compressed.body
            let inflated = try WireCoding.decode(
                PullResponse.self,
                from: Data(try body.decompress(with: .gzip()).readableBytesView)
            )
            #expect(inflated.operations == (try plain.decode(PullResponse.self)).operations)
            #expect(compressed.body.readableBytes * 5 < plain.body.readableBytes)
            let refused = try await client.execute(
                uri: "/v1/sync/pull?after=0",
                method: .get,
                headers: [.acceptEncoding: "gzip;q=0, identity"]
            )
            #expect(refused.headers[.contentEncoding] == nil)
            let small = try await client.execute(uri: "/v1/health", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(small.headers[.contentEncoding] == nil, "a few bytes are sent as they are")
        }
    }
}
