import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Metrics and logs as run in production, on a real `serve` process: `/metrics` on its own listener in the
/// Prometheus format, counting what the traffic did; the log's levels and formats, every request line carrying
/// its request id, and no personal data in it (text or JSON).
@Suite("Metrics and logs in production", .serialized)
struct ObservabilityTests {
    @Test(
        "a scrape after traffic parses and shows each counter moved by what the traffic did; the API port has no /metrics"
    )
    func metricsAfterTraffic() async throws {
        let workspace = try makeTemporaryDirectory()
        let metricsPort = try freeLoopbackPort()
        let server = try ServeProcess(arguments: ["--metrics-address", "127.0.0.1:\(metricsPort)"])
        let metrics = try #require(URL(string: "http://127.0.0.1:\(metricsPort)/metrics"))
        try await eventually { (try? await httpGet(metrics))?.status == 200 }
        let before = try PrometheusText(try await httpGet(metrics).body)

        // Traffic: a device enrols, records two sightings and syncs; one request with a token that is no token.
        let device = try server.enrolDevice("dev-1", user: "PC-4127", in: workspace.appendingPathComponent("device"))
        for place in ["Seel Street", "Bold Street"] {
            let added = try CLIRunner.run([
                "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", device.path,
            ])
            #expect(added.status == 0, "stderr was: \(added.stderr)")
        }
        let synced = try CLIRunner.run(["sync", "--data", device.path])
        #expect(synced.status == 0, "sync said: \(synced.stderr)")
        let pulled = synced.stdout.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("pulled a page of ") else { return nil }
            return Int(line.dropFirst("pulled a page of ".count).prefix { $0.isNumber })
        }.reduce(0, +)
        #expect(
            try await httpGet(server.url.appendingPathComponent("v1/venues"), token: "emp_no_such_token").status == 401
        )
        #expect(try await httpGet(server.url.appendingPathComponent("v1/health")).status == 200)
        let onAPIPort = try await httpGet(server.url.appendingPathComponent("metrics"))
        #expect(onAPIPort.status != 200 && !onAPIPort.body.contains("empower_"), "not public on the API port")

        let scrape = try await httpGet(metrics)
        let after = try PrometheusText(scrape.body)
        func moved(_ name: String, _ labels: [String: String] = [:]) -> Double {
            after.value(name, labels) - before.value(name, labels)
        }
        #expect(moved("empower_operations_pushed_total") == 2)
        #expect(moved("empower_operations_pulled_total") == Double(pulled))
        let push = ["route": "/v1/sync/push", "method": "POST"]
        #expect(moved("empower_http_requests_total", push.merging(["status": "200"]) { $1 }) == 1)
        #expect(moved("empower_http_request_duration_seconds_count", push) == 1)
        #expect(moved("empower_http_request_duration_seconds_bucket", push.merging(["le": "+Inf"]) { $1 }) == 1)
        #expect(moved("empower_http_requests_total", ["route": "/v1/health", "status": "200"]) == 1)
        #expect(moved("empower_http_requests_total", ["route": "/v1/venues", "status": "401"]) == 1)
        #expect(moved("empower_refusals_total", ["code": "unauthorized", "status": "401"]) == 2)
        #expect(moved("empower_rate_limited_total") == 0)
        #expect(after.types["empower_http_request_duration_seconds"] == "histogram")
        let sealed = after.value("empower_audit_last_seal_timestamp_seconds")
        #expect(abs(sealed - Date().timeIntervalSince1970) < 60, "the audit log was sealed within the last minute")
        #expect(after.value("empower_audit_tree_size") > 0)
        // Labels name routes, never what was sent.
        #expect(
            !scrape.body.contains("PC-4127") && !scrape.body.contains("Seel Street") && !scrape.body.contains("dev-1")
        )
    }

    @Test("--log-format json: one JSON object a line, every request line with its request id, no personal data")
    func jsonLogs() async throws {
        let (log, token) = try await Self.serveTraffic(arguments: ["--log-format", "json"])
        var requestLines = 0
        var requestIds: Set<String> = []
        for line in log.split(separator: "\n") {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "not a JSON object: \(line)"
            )
            #expect(object["time"] is String && object["level"] is String && object["message"] is String)
            guard object["message"] as? String == "request" else { continue }
            requestLines += 1
            let metadata = try #require(object["metadata"] as? [String: Any])
            let id = try #require(metadata["hb.request.id"] as? String, "no request id: \(line)")
            requestIds.insert(id)
            #expect(metadata["http.route"] is String && metadata["http.status"] is String)
        }
        #expect(requestLines >= 5, "log was: \(log)")
        #expect(requestIds.count == requestLines, "each request has its own id")
        Self.expectNoPersonalData(log, token: token)
    }

    @Test("text logs: every request line with its request id, no personal data; --log-level and EMPOWER_LOG_LEVEL")
    func textLogsAndLevels() async throws {
        let (log, token) = try await Self.serveTraffic(arguments: [])
        let requestLines = log.split(separator: "\n").filter { $0.contains(" request") && $0.contains("http.route=") }
        #expect(requestLines.count >= 5, "log was: \(log)")
        #expect(requestLines.allSatisfy { $0.contains("hb.request.id=") }, "log was: \(log)")
        Self.expectNoPersonalData(log, token: token)

        // warning and above: no request lines, by the option or by the environment.
        let (quiet, _) = try await Self.serveTraffic(arguments: ["--log-level", "warning"])
        #expect(!quiet.contains("http.route"), "log was: \(quiet)")
        let (quietByEnvironment, _) = try await Self.serveTraffic(
            arguments: [],
            launcher: ["/usr/bin/env", "EMPOWER_LOG_LEVEL=warning"]
        )
        #expect(!quietByEnvironment.contains("http.route"), "log was: \(quietByEnvironment)")

        let data = try makeTemporaryDirectory().appendingPathComponent("central").path
        let unknown = try await runBounded(["serve", "--data", data, "--log-level", "loud"])
        #expect(
            unknown.status.map { $0 != 0 } == true
                && unknown.stderr.contains("--log-level must be one of trace, debug, info")
        )
        let unknownInEnvironment = try await runBounded(
            ["serve", "--data", data],
            environment: ["EMPOWER_LOG_LEVEL": "loud"]
        )
        #expect(
            unknownInEnvironment.status.map { $0 != 0 } == true
                && unknownInEnvironment.stderr.contains("--log-level must be one of")
                && unknownInEnvironment.stderr.contains("(--log-level came from EMPOWER_LOG_LEVEL.)")
        )
    }

    /// Serves with `arguments`, runs a device's and a supervisor's traffic full of personal data (a user id,
    /// places, a search reason), stops the server; returns its log and the device's enrolment token.
    static func serveTraffic(arguments: [String], launcher: [String] = []) async throws -> (log: String, token: String)
    {
        let workspace = try makeTemporaryDirectory()
        let logFile = workspace.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let server = try ServeProcess(
            launcher: launcher,
            standardError: try FileHandle(forWritingTo: logFile),
            arguments: arguments
        )
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-1", serverData: server.data)
        let device = workspace.appendingPathComponent("device")
        #expect(try CLIAccounts.initDevice(server: server.url, token: token, directory: device).status == 0)
        let added = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low", "--data",
            device.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        #expect(try CLIRunner.run(["sync", "--data", device.path]).status == 0)
        let supervisor = try server.enrolDevice(
            "dev-2",
            user: "PS-1187",
            role: "supervisor",
            in: workspace.appendingPathComponent("supervisor")
        )
        let searched = try CLIRunner.run([
            "search", "--reason", "Concern for PC-4127 at Seel Street", "--data", supervisor.path,
        ])
        #expect(searched.status == 0, "search said: \(searched.stderr)")
        #expect(
            try await httpGet(server.url.appendingPathComponent("v1/venues"), token: "emp_no_such_token").status == 401
        )
        server.stop()
        return (try String(contentsOf: logFile, encoding: .utf8), token)
    }

    static func expectNoPersonalData(_ log: String, token: String) {
        for personal in ["PC-4127", "PS-1187", "Seel Street", "Concern", token, "emp_no_such_token"] {
            #expect(!log.contains(personal), "the log holds \(personal): \(log)")
        }
    }
}
