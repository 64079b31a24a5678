import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

@testable import Central

@Suite("Rate limit")
struct RateLimitTests {
    private static let t0 = Date(timeIntervalSince1970: 1_795_298_400)

    @Test("a key gets its burst at once, then waits for the bucket to refill")
    func burstThenWait() {
        let limiter = RateLimiter(perSecond: 2, burst: 5)
        for index in 0..<5 {
            #expect(limiter.admit(key: "a", now: Self.t0) == nil, "request \(index + 1) of the burst")
        }
        let wait = limiter.admit(key: "a", now: Self.t0)
        #expect(wait == 0.5, "one request's worth at 2 per second")
        #expect(limiter.admit(key: "a", now: Self.t0) == 0.5, "a refused request takes nothing")
    }

    @Test("the bucket refills at the configured rate, never past the burst")
    func refill() throws {
        let limiter = RateLimiter(perSecond: 2, burst: 5)
        for _ in 0..<5 { _ = limiter.admit(key: "a", now: Self.t0) }
        let quarter = try #require(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(0.25)))
        #expect(abs(quarter - 0.25) < 1e-9, "half a request refilled, a quarter second to go")
        #expect(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(0.5)) == nil)
        #expect(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(0.5)) != nil)
        #expect(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(1.5)) == nil)
        #expect(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(1.5)) == nil)
        #expect(limiter.admit(key: "a", now: Self.t0.addingTimeInterval(1.5)) != nil)

        // An hour idle refills the burst, not an hour's worth.
        let later = Self.t0.addingTimeInterval(3600)
        for _ in 0..<5 { #expect(limiter.admit(key: "a", now: later) == nil) }
        #expect((limiter.admit(key: "a", now: later) ?? 0) > 0)
    }

    @Test("keys have buckets of their own")
    func keysIndependent() {
        let limiter = RateLimiter(perSecond: 1, burst: 2)
        #expect(limiter.admit(key: "a", now: Self.t0) == nil)
        #expect(limiter.admit(key: "a", now: Self.t0) == nil)
        #expect(limiter.admit(key: "a", now: Self.t0) != nil)
        #expect(limiter.admit(key: "b", now: Self.t0) == nil)
        #expect(limiter.admit(key: "b", now: Self.t0) == nil)
        #expect(limiter.admit(key: "b", now: Self.t0) != nil)
    }

    @Test("the defaults are 50 a second with bursts of 100")
    func defaults() {
        let limiter = RateLimiter()
        #expect(limiter.perSecond == 50)
        #expect(limiter.burst == 100)
        for _ in 0..<100 { #expect(limiter.admit(key: "a", now: Self.t0) == nil) }
        #expect(limiter.admit(key: "a", now: Self.t0) == 0.02)
    }

    @Test("over the limit, a token's requests are 429 rate-limited with Retry-After; other tokens carry on")
    func throughTheRouter() async throws {
        // A bucket that refills once in 100 seconds: the test cannot outrun it.
        try await withRouter(rateLimiter: RateLimiter(perSecond: 0.01, burst: 3)) { store, client in
            for _ in 0..<3 {
                #expect(try await client.execute(uri: "/v1/sync/pull", method: .get).status == .ok)
            }
            let limited = try await client.execute(uri: "/v1/sync/pull", method: .get)
            try expectError(limited, status: .tooManyRequests, code: "rate-limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...100).contains(retryAfter))
            let push = try await client.push([Fixture.createSighting()])
            try expectError(push, status: .tooManyRequests, code: "rate-limited")
            #expect(try await store.operationCount() == 0, "a limited push stores nothing")

            // Requests without a valid token are refused before they reach the limiter.
            for _ in 0..<5 {
                try expectUnauthorized(
                    try await client.signed(with: AccessToken.generate()).execute(uri: "/v1/sync/pull", method: .get)
                )
            }
            let other = client.signed(with: try await Accounts.supervisorToken(store))
            #expect(try await other.execute(uri: "/v1/sync/pull", method: .get).status == .ok)
            #expect(try await client.unsigned.execute(uri: "/v1/health", method: .get).status == .ok)
        }
    }
}
