import Central
import Foundation
import Models
import Testing

@Suite("Access over real HTTP: rate limits and logs")
struct AccessRateLimitAndLogTests {
    @Test("the 4th rapid request with one token gets 429 rate-limited with Retry-After; another token is unaffected")
    func rateLimit() async throws {
        // Seeding uses the officer's and the supervisor's tokens; venue staff's buckets are full.
        // A slow refill (one request per 4 s), so that a loaded machine's slow requests do not refill the bucket.
        try await AccessWorld.run(rateLimiter: RateLimiter(perSecond: 0.25, burst: 3)) { world in
            let token = world.token(.staffA)
            for attempt in 1...3 {
                let reply = try await world.http.get("/v1/venues", bearer: token)
                #expect(reply.status == 200, "request \(attempt): \(reply)")
            }
            // The 4th is refused before it is handled: a push is not stored, nothing is audited.
            let before = try await AccessSnapshot.take(world.store)
            let fourth = try await world.http.push(
                [AccessOps.sighting(by: AccessPeople.staffA, at: AccessVenue.a.id)],
                deviceId: AccessPeople.staffA.deviceId,
                bearer: token
            )
            expectAccessError(fourth, status: 429, code: "rate-limited", "the 4th request")
            let retryAfter = try #require(fourth.headers["retry-after"].flatMap { Int($0) }, "\(fourth.headers)")
            #expect((1...4).contains(retryAfter), "Retry-After \(retryAfter)")
            #expect(try await AccessSnapshot.take(world.store) == before)
            // Other tokens have their own buckets.
            let other = try await world.http.get("/v1/venues", bearer: world.token(.staffB))
            #expect(other.status == 200, "\(other)")
            // After the wait it names, the token is admitted again.
            try await Task.sleep(for: .milliseconds(retryAfter * 1000 + 100))
            let later = try await world.http.get("/v1/venues", bearer: token)
            #expect(later.status == 200, "\(later)")
        }
    }

    @Test("at trace level no log line holds a token, an Authorization header or a record's content")
    func logsHoldNoSecrets() async throws {
        let capture = AccessLogCapture()
        let narrative = "Narrative-\(UUID().uuidString) seen steering a woman towards a car"
        let secrets = try await AccessWorld.run(logger: capture.logger()) { world in
            var secrets = AccessWho.allCases.compactMap { world.token($0) }
            let officer = AccessPeople.officer
            let reason = accessQuery(["reason": "Case review"])

            // Pushes carrying the narrative: stored, rejected, refused for identity, and malformed.
            let sighting = AccessOps.sighting(by: officer, at: AccessVenue.a.id, narrative: narrative)
            let stored = try await world.http.push(
                [sighting],
                deviceId: officer.deviceId,
                bearer: world.token(.officer)
            )
            #expect(try stored.decode(PushResponse.self).accepted == [sighting.opId])
            let atB = AccessOps.sighting(by: AccessPeople.staffA, at: AccessVenue.b.id, narrative: narrative)
            _ = try await world.http.push([atB], deviceId: AccessPeople.staffA.deviceId, bearer: world.token(.staffA))
            var spoofed = AccessPeople.officer
            spoofed.userId = AccessPeople.supervisor.userId
            let mismatch = try await world.http.push(
                [AccessOps.sighting(by: spoofed, at: AccessVenue.a.id, narrative: narrative)],
                deviceId: officer.deviceId,
                bearer: world.token(.officer)
            )
            #expect(mismatch.status == 403)
            let malformed = try await world.http.send(
                "POST",
                "/v1/sync/push",
                bearer: world.token(.officer),
                body: Data(
                    #"{"protocolVersion":1,"deviceId":"dev-officer-01","operations":[{"narrative":"\#(narrative)"}]}"#
                        .utf8
                )
            )
            #expect(malformed.status == 400)

            // Reads that return it.
            #expect(try await world.http.get("/v1/sync/pull?after=0", bearer: world.token(.staffA)).status == 200)
            #expect(try await world.http.get("/v1/records" + reason, bearer: world.token(.supervisor)).status == 200)
            let shown = try await world.http.get(
                "/v1/records/\(sighting.recordId.text)" + reason,
                bearer: world.token(.supervisor)
            )
            #expect(shown.text.contains(narrative))
            let csv = try await world.http.get(
                "/v1/records/export" + accessQuery(["reason": "Case review", "recipient": "CPS", "format": "csv"]),
                bearer: world.token(.supervisor)
            )
            #expect(csv.text.contains(narrative))

            // Tokens issued over HTTP: an enrolment token, the access token it is exchanged for, a rotated token.
            let issued = try await world.http.post(
                "/v1/admin/devices",
                bearer: world.token(.admin),
                json: NewDevice(deviceId: "dev-officer-02", userId: officer.userId)
            )
            let enrolmentToken = try issued.decode(IssuedToken.self).token
            // Refused until the officer approves it from their device (docs/accounts.md).
            let waiting = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            #expect(waiting.status == 409)
            let approved = try await world.http.send(
                "POST",
                "/v1/device/enrolments/dev-officer-02/approve",
                bearer: world.token(.officer),
                body: nil
            )
            #expect(approved.status == 200)
            let enrolled = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            let accessToken = try enrolled.decode(Enrolment.self).token
            _ = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            let rotated = try await world.http.send(
                "POST",
                "/v1/admin/devices/dev-officer-02/token",
                bearer: world.token(.admin),
                body: Data("{}".utf8)
            )
            let rotatedToken = try rotated.decode(IssuedToken.self).token
            #expect(try await world.http.get("/v1/venues", bearer: rotatedToken).status == 200)
            #expect(try await world.http.get("/v1/venues", bearer: accessToken).status == 401)
            secrets += [enrolmentToken, accessToken, rotatedToken]

            // Every bad token, on an endpoint that needs one.
            for who in AccessWho.badTokens {
                #expect(try await world.http.get("/v1/sync/pull", bearer: world.token(who)).status == 401)
            }
            return secrets
        }

        let lines = capture.lines
        // The capture works: the server logged at all, and its push line is there, as text and as JSON.
        #expect(lines.contains { $0.contains("sync.push") && !$0.hasPrefix("{") }, "\(lines.count) lines")
        #expect(lines.contains { $0.contains("sync.push") && $0.hasPrefix("{") }, "\(lines.count) lines")
        // Every request's line carries its request id, in both formats; every JSON line is one JSON object.
        let textRequests = lines.filter { !$0.hasPrefix("{") && $0.contains("] request ") }
        #expect(textRequests.count > 10 && textRequests.allSatisfy { $0.contains("hb.request.id=") })
        var jsonRequests = 0
        for line in lines where line.hasPrefix("{") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(line.hasSuffix("}\n") && line.dropLast().allSatisfy { $0 != "\n" }, "one line: \(line)")
            guard object["message"] as? String == "request" else { continue }
            jsonRequests += 1
            #expect((object["metadata"] as? [String: Any])?["hb.request.id"] is String, "no request id: \(line)")
        }
        #expect(jsonRequests == textRequests.count)
        #expect(secrets.count == 8 + 3)
        for line in lines {
            for secret in secrets {
                #expect(!line.contains(secret), "a token in the log: \(line)")
                #expect(!line.contains(String(secret.suffix(20))), "part of a token in the log: \(line)")
            }
            #expect(!line.contains("Bearer "), "an Authorization header in the log: \(line)")
            #expect(!line.lowercased().contains("authorization"), "an Authorization header in the log: \(line)")
            #expect(!line.contains(narrative), "the narrative in the log: \(line)")
            #expect(!line.contains(String(narrative.prefix(30))), "part of the narrative in the log: \(line)")
        }
    }
}
