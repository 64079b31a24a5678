import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A device without a local database: it sends prepared push requests and reads pull pages only as far as
/// their cursor, so that a benchmark of many of them measures the server rather than the simulated devices.
/// The requests are the ones `HTTPTransport` sends, on the benchmark's connection pool.
///
/// Not `HTTPTransport` itself, because of what it measures: `HTTPTransport.pull` decodes every operation of
/// every page (about 20 µs each), and gzips pushes and inflates answers once the server takes gzip; for two
/// hundred simulated devices on the same two cores as the server that would be the bench's CPU, not the
/// server's, in the latencies this client exists to measure. The fleet measure with real devices
/// (`FleetDevices`) is the one on `HTTPTransport`.
struct LightClient: Sendable {
    let server: URL
    let token: String
    let deviceId: String
    let userId: String

    /// This device's sightings as push request bodies of `batch` operations each.
    func pushBodies(count: Int, batch: Int, venue: String = "venue-concert-sq-01") throws -> [Data] {
        let now = Date().millisecondsSince1970
        let operations = (0..<count).map { index in
            let sighting = BenchCommand.sighting(index: index, by: userId, at: venue)
            return WireCoding.encodeOperation(
                LogOperation(
                    deviceId: deviceId,
                    author: userId,
                    hlc: HLCTimestamp(wallMilliseconds: now, counter: UInt16(index % 60_000)),
                    recordId: sighting.id,
                    payload: .createSighting(sighting)
                )
            )
        }
        return try stride(from: 0, to: count, by: batch).map { start in
            try WireAssembly.pushRequest(
                deviceId: deviceId,
                encodedOperations: Array(operations[start..<min(start + batch, count)])
            )
        }
    }

    /// Sends one push; fails unless every operation was accepted.
    func push(_ body: Data) async throws {
        let answer = try WireCoding.decode(PushResponse.self, from: try await send("v1/sync/push", body: body))
        guard answer.rejected.isEmpty else {
            throw BenchError("The server refused a benchmark operation: \(answer.rejected[0].message)")
        }
    }

    /// Fetches the page after `cursor`: its cursor and whether more waits.
    func pull(after cursor: Int64) async throws -> (cursor: Int64, hasMore: Bool) {
        let data = try await send("v1/sync/pull?after=\(cursor)&limit=1000")
        if let header = Self.pageHeader(data) { return header }
        let page = try WireCoding.decodePullResponse(data)
        return (page.cursor, page.hasMore)
    }

    /// The cursor and `hasMore` of a pull page as the server writes it (`{"cursor":N,"hasMore":B,…`, see
    /// `WireAssembly`), read without decoding the operations; nil if the page does not start that way.
    static func pageHeader(_ data: Data) -> (cursor: Int64, hasMore: Bool)? {
        let head = String(decoding: data.prefix(48), as: UTF8.self)
        guard head.hasPrefix("{\"cursor\":") else { return nil }
        let rest = head.dropFirst("{\"cursor\":".count)
        let digits = rest.prefix { $0.isNumber }
        guard let cursor = Int64(digits) else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.hasPrefix(",\"hasMore\":true") { return (cursor, true) }
        if tail.hasPrefix(",\"hasMore\":false") { return (cursor, false) }
        return nil
    }

    /// Fetches the venue list.
    func venues() async throws {
        _ = try await send("v1/venues")
    }

    private func send(_ path: String, body: Data? = nil) async throws -> Data {
        guard let url = URL(string: path, relativeTo: server.appendingPathComponent("/")) else {
            throw BenchError("No URL for \(path).")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.method = .POST
            request.body = .bytes(ByteBuffer(data: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await BenchCommand.httpClient.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard response.status == .ok else {
            throw BenchError("A benchmark request failed: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return data
    }
}
