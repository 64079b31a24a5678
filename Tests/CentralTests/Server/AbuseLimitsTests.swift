import Central
import Foundation
import Hummingbird
import HummingbirdTesting
import Models
import Testing

/// What one client address can take of the server: refused credentials, time, and connections. Real server over
/// loopback, raw sockets from distinct loopback addresses.
@Suite("The server sheds abuse")
struct AbuseLimitsTests {
    /// Runs a live server with these limits and gives `body` its port.
    private func withLiveServer(
        failureLimits: FailureLimits = FailureLimits(),
        connectionLimits: ConnectionLimits = ConnectionLimits(),
        _ body: @escaping @Sendable (SQLiteCentralStore, Int) async throws -> Void
    ) async throws {
        try await withStore { store in
            var configuration = CentralConfiguration(host: "127.0.0.1", port: 0)
            configuration.failureLimits = failureLimits
            configuration.connectionLimits = connectionLimits
            let app = CentralServer.buildApplication(configuration: configuration, store: store, logger: quietLogger)
            try await app.test(.live) { live in try await body(store, try #require(live.port)) }
        }
    }

    @Test("refused tokens from one address: 429 with a JSON error and Retry-After, even for a good token; others go on")
    func refusedTokensPerAddress() async throws {
        let limits = FailureLimits(authentication: FailureLimiter(perSecond: 0.01, burst: 5))
        try await withLiveServer(failureLimits: limits) { store, port in
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
            let abuser = try RawClient(from: "127.0.0.2", port: port)
            for _ in 0..<5 {
                #expect(try await abuser.request("GET", "/v1/sync/pull", token: AccessToken.generate()).status == 401)
            }
            let limited = try await abuser.request("GET", "/v1/sync/pull", token: AccessToken.generate())
            #expect(limited.status == 429)
            let error = try WireCoding.decode(ErrorBody.self, from: Data(limited.body.utf8))
            #expect(error.code == "too-many-failures")
            let retryAfter = try #require(limited.headers["retry-after"].flatMap(Int.init))
            #expect((1...100).contains(retryAfter))
            #expect(try await abuser.request("GET", "/v1/sync/pull", token: token).status == 429)
            #expect(try await RawClient(from: "127.0.0.2", port: port).request("GET", "/v1/health").status == 200)

            // Another address, hammered beside: its good token is served, its bad one only refused.
            let hammer = Task {
                let client = try RawClient(from: "127.0.0.2", port: port)
                for _ in 0..<300 { _ = try await client.request("GET", "/v1/sync/pull", token: AccessToken.generate()) }
            }
            let other = try RawClient(from: "127.0.0.3", port: port)
            let started = ContinuousClock.now
            for _ in 0..<20 { #expect(try await other.request("GET", "/v1/sync/pull", token: token).status == 200) }
            let elapsed = ContinuousClock.now - started
            #expect(try await other.request("GET", "/v1/sync/pull", token: AccessToken.generate()).status == 401)
            try await hammer.value
            // Not held back by the limiter (which would make it wait 100 seconds); loose, for a loaded machine.
            #expect(elapsed < .seconds(30), "20 requests took \(elapsed) beside the hammering")
        }
    }

    @Test("enrolment attempts are limited more strictly by default: the sixth wrong token from an address is 429")
    func enrolmentAttempts() async throws {
        try await withLiveServer { _, port in
            let client = try RawClient(from: "127.0.0.4", port: port)
            for _ in 0..<5 {
                #expect(try await client.request("POST", "/v1/enrol", token: AccessToken.generate()).status == 401)
            }
            let limited = try await client.request("POST", "/v1/enrol", token: AccessToken.generate())
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] != nil)
            // Within the default for access tokens, which is larger.
            #expect(try await client.request("GET", "/v1/sync/pull", token: AccessToken.generate()).status == 401)
        }
    }

    @Test("a body sent one byte a second is cut off at the request time limit")
    func slowBody() async throws {
        try await withLiveServer(connectionLimits: ConnectionLimits(requestTime: .seconds(2))) { _, port in
            let client = try RawClient(from: "127.0.0.5", port: port)
            #expect(client.send("POST /v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"))
            let started = ContinuousClock.now
            var closed = false
            for _ in 0..<10 where !closed {
                closed = await client.awaitReceive(timeout: 1).closed || !client.send(" ")
            }
            #expect(closed, "the connection was still open after 10 seconds of a trickled body")
            #expect(ContinuousClock.now - started < .seconds(6))
        }
    }

    @Test("connections beyond an address's share are closed at once; other addresses connect")
    func connectionsPerAddress() async throws {
        try await withLiveServer(connectionLimits: ConnectionLimits(connectionsPerAddress: 3)) { _, port in
            var held = try (0..<3).map { _ in try RawClient(from: "127.0.0.6", port: port) }
            for client in held { #expect(try await client.request("GET", "/v1/health").status == 200) }
            let extra = try RawClient(from: "127.0.0.6", port: port)
            #expect(await extra.awaitReceive(timeout: 5).closed, "a fourth connection from the address stays open")
            #expect(try await RawClient(from: "127.0.0.7", port: port).request("GET", "/v1/health").status == 200)
            held.removeFirst()
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await RawClient(from: "127.0.0.6", port: port).request("GET", "/v1/health").status == 200)
        }
    }
}
