import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// gzip on the wire, negotiated with the standard headers (RFC 9110 §8.4 and §12.5.3, RFC 7694): a request body
/// sent with `Content-Encoding: gzip` is inflated before it is read, an answer is compressed for a client that
/// sends `Accept-Encoding: gzip`, and every answer says `Accept-Encoding: gzip` so that a client knows it may
/// compress what it sends. Clients that say nothing get plain bodies, as before.
enum ContentEncoding {
    /// Answers smaller than this are sent as they are: a few hundred bytes gain nothing from gzip.
    static let smallestCompressed = 1024

    /// The fastest level: a page of operations shrinks twelvefold at level 1, and the server's processors are
    /// shared by every device.
    static let algorithm = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))

    /// Whether an `Accept-Encoding` value accepts gzip (a `q=0` refuses it).
    static func accepts(gzip header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { coding in
            let parts = coding.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "x-gzip" || parts.first == "*" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }
}

extension Request {
    /// The body, inflated if it came with `Content-Encoding: gzip`, at most `limit` bytes either way.
    ///
    /// - Throws: `APIError` 413 for a body (or what it inflates to) over `limit`, 415 `unsupported-encoding` for
    ///   a coding other than gzip, 400 `bad-encoding` for gzip that does not inflate.
    func collectDecodedBody(upTo limit: Int) async throws -> ByteBuffer {
        var request = self
        let coding = headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "identity"
        guard ["identity", "gzip", "x-gzip"].contains(coding) else {
            throw APIError(
                .unsupportedMediaType,
                code: "unsupported-encoding",
                message: "The body's Content-Encoding '\(coding)' is not understood; send it plain or as gzip.",
                headers: [.acceptEncoding: "gzip"]
            )
        }
        var body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge
        }
        guard coding != "identity" else { return body }
        do {
            // The library's bound is approximate (its buffers grow to a power of two): the exact one is ours.
            let inflated = try body.decompress(with: .gzip(), maxSize: limit)
            guard inflated.readableBytes <= limit else { throw APIError.bodyTooLarge }
            return inflated
        } catch let error as APIError {
            throw error
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw APIError.bodyTooLarge
        } catch {
            throw APIError.badRequest("bad-encoding", "The body says Content-Encoding: gzip but is not gzip data.")
        }
    }
}

/// Compresses answers for clients that accept gzip, and tells every client that requests may be gzip.
struct ResponseCompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.acceptEncoding] = "gzip"
        guard ContentEncoding.accepts(gzip: request.headers[.acceptEncoding]),
            response.headers[.contentEncoding] == nil,
            let length = response.body.contentLength, length >= ContentEncoding.smallestCompressed
        else { return response }
        let collector = BodyCollector()
        try await response.body.write(collector.writer)
        var plain = collector.buffer.value
        let compressed = try plain.compress(with: ContentEncoding.algorithm)
        response.headers[.contentEncoding] = "gzip"
        response.headers[.vary] = "Accept-Encoding"
        response.headers[.contentLength] = nil
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }
}

/// Collects a response body that is already in memory (one with a known length) into one buffer.
private struct BodyCollector {
    final class Box: @unchecked Sendable { var value = ByteBuffer() }
    let buffer = Box()

    var writer: some ResponseBodyWriter { Writer(box: buffer) }

    struct Writer: ResponseBodyWriter {
        let box: Box
        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            box.value.writeBuffer(&buffer)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
