import Central
import Foundation
import Models
import Testing

/// The rules of a remote wipe, as pure values: every state and every step.
@Suite("Device wipe: ordered, delivered, confirmed")
struct DeviceWipeTests {
    static let ordered = DeviceWipe(orderedAt: Date(timeIntervalSince1970: 1_000), orderedBy: "ADM-0001")
    static let later = Date(timeIntervalSince1970: 2_000)
    static let latest = Date(timeIntervalSince1970: 3_000)

    @Test("the state follows the times recorded")
    func stateFollowsTimes() {
        #expect(Self.ordered.state == .ordered)
        #expect(Self.ordered.delivered(at: Self.later)?.wipe.state == .delivered)
        let confirmed = DeviceWipe(orderedAt: Self.later, orderedBy: "ADM-0001", confirmedAt: Self.latest)
        #expect(confirmed.state == .confirmed && confirmed.deliveredAt == Self.latest, "a confirmation is a delivery")
    }

    @Test("the first contact delivers; later ones change nothing; a confirmed wipe obtains nothing")
    func delivery() throws {
        let first = try #require(Self.ordered.delivered(at: Self.later))
        #expect(first.changed && first.wipe.deliveredAt == Self.later)
        let again = try #require(first.wipe.delivered(at: Self.latest))
        #expect(!again.changed && again.wipe == first.wipe, "the first delivery's time is kept")
        let confirmed = try #require(first.wipe.confirmed(at: Self.latest))
        #expect(confirmed.delivered(at: Self.latest) == nil)
    }

    @Test("a wipe is confirmed once, from either state before")
    func confirmation() throws {
        for wipe in [Self.ordered, Self.ordered.delivered(at: Self.later)!.wipe] {
            let confirmed = try #require(wipe.confirmed(at: Self.latest))
            #expect(confirmed.state == .confirmed && confirmed.confirmedAt == Self.latest)
            #expect(confirmed.deliveredAt == (wipe.deliveredAt ?? Self.latest))
            #expect(confirmed.confirmed(at: Self.latest) == nil, "the token is retired")
        }
    }

    @Test(
        "an order is refused for a device with a wipe, or with no token a wipe could reach",
        arguments: [
            (nil, false, "wipe-undeliverable"),
            (ordered, true, "wipe-ordered-already"),
            (ordered.delivered(at: later)!.wipe, true, "wipe-ordered-already"),
            (ordered.confirmed(at: later)!, true, "device-wiped"),
        ] as [(DeviceWipe?, Bool, String)]
    )
    func refusedOrders(existing: DeviceWipe?, hasAccessToken: Bool, code: String) {
        let error = #expect(throws: AccountError.self) {
            try DeviceWipe.checkCanOrder(deviceId: "dev-x", existing: existing, hasAccessToken: hasAccessToken)
        }
        #expect(error?.code == code && error?.kind == .conflict)
        #expect(error?.message.contains("dev-x") == true)
    }

    @Test("an order is accepted for a device that held a token and has no wipe")
    func acceptedOrder() throws {
        try DeviceWipe.checkCanOrder(deviceId: "dev-x", existing: nil, hasAccessToken: true)
    }
}
