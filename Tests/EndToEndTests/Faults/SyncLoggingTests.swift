import Central
import Foundation
import GRDB
import Logging
import Models
import Synchronization
import Testing

@testable import Sync

/// The sync engine logs what an operator needs to see a struggling device — retries with their backoff, batches
/// parked and operations refused — over real HTTP to a real server, with ids, counts and codes only: never the
/// text of what was recorded.
@Suite("Sync engine logging")
struct SyncLoggingTests {
    @Test("a retry after a 503 and a parked batch are logged; no recorded text is")
    func retryAndParkedBatchLogged() async throws {
        try await withOneDevice { setup in
            try await CentralServer.withRunningServer(store: setup.store) { serverURL in
                // The first request (a push) is answered 503 by the proxy; everything after goes through.
                try await FaultProxy.withRunningProxy(upstream: serverURL, seed: 0, script: [.status503]) {
                    _,
                    proxyURL in
                    let replica = try LocalReplica.create(
                        in: setup.workspace.appendingPathComponent(setup.device.deviceId),
                        identity: setup.device.identity(serverURL: proxyURL),
                        key: testDataKey
                    )
                    let recorded = try setup.log.entries(of: setup.device.deviceId).map {
                        try $0.record(on: replica)
                    }
                    // Sealed soundly but not valid JSON: the server refuses whole any push that carries it.
                    let badId = UUID.timeOrdered()
                    let badBody = try ContentCipher(testDataKey).seal(
                        Data("{\"opId\":".utf8),
                        as: .operationBody,
                        of: badId
                    )
                    try await replica.database.write { db in
                        try db.execute(
                            sql: """
                                INSERT INTO operation (opId, recordId, hlc, body, outbox)
                                VALUES (?, ?, ?, ?, 'pending')
                                """,
                            arguments: [badId.text, UUID().text, recorded.last!.hlc.rawValue + 1, badBody]
                        )
                    }
                    let capture = SyncLogCapture()
                    let engine = SyncEngine(
                        replica: replica,
                        transport: HTTPTransport(serverURL: proxyURL, token: setup.token, requestTimeout: 10),
                        retryPolicy: RetryPolicy(baseDelay: 0.01),
                        logger: capture.logger()
                    )
                    let report = try await engine.sync()
                    #expect(report.rejected.map(\.opId) == [badId])

                    let lines = capture.lines
                    let text = lines.joined(separator: "\n")
                    #expect(
                        lines.contains { $0.contains("Sync request failed") && $0.contains("status=503") },
                        "\(text)"
                    )
                    #expect(
                        lines.contains { $0.contains("Backing off before retrying") && $0.contains("phase=push") },
                        "\(text)"
                    )
                    #expect(
                        lines.contains { $0.contains("Batch parked") && $0.contains(badId.text) },
                        "\(text)"
                    )
                    #expect(lines.contains { $0.contains("cursor moved") }, "\(text)")

                    // Every free text the device recorded (narratives, descriptions, names) stays out of the log.
                    let texts = try recorded.flatMap { try Self.freeTexts(in: WireCoding.encodeOperation($0)) }
                    try #require(texts.count >= 3, "the fixture records free text")
                    for recordedText in texts {
                        #expect(!text.contains(recordedText), "logged: \(recordedText)")
                    }
                }
            }
        }
    }

    /// The strings of an operation's JSON that a person wrote: those with a space in them.
    private static func freeTexts(in json: Data) throws -> [String] {
        func strings(_ value: Any) -> [String] {
            switch value {
            case let text as String: text.contains(" ") ? [text] : []
            case let array as [Any]: array.flatMap(strings)
            case let object as [String: Any]: object.values.flatMap(strings)
            default: []
            }
        }
        return strings(try JSONSerialization.jsonObject(with: json))
    }
}

/// Every line logged through `SyncLogCapture.logger()`, rendered with its metadata, kept in memory.
final class SyncLogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    /// A trace-level logger whose every line lands here.
    func logger() -> Logger {
        var logger = Logger(label: "empower.sync") { label in Handler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let label: String
        let capture: SyncLogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) [\(label)] \(event.message) \(fields)")
        }
    }
}
