import Foundation
import Models

/// The public figures as published (the page, the CSV and the JSON), made at most once per `lifetime` and
/// shared by every request: the page is open to anyone, and reckoning the figures reads every record, so a
/// flood of requests must not mean a flood of full reads. Requests that arrive while they are being made wait
/// for that one computation.
actor PublicFiguresCache {
    /// The figures and their three renderings.
    struct Publication: Sendable {
        var figures: PublicFigures
        var html: String
        var csv: Data
        var json: Data

        init(_ figures: PublicFigures) throws {
            self.figures = figures
            html = PublicPage.render(figures)
            csv = PublicFiguresFiles.csv(figures)
            json = try PublicFiguresFiles.json(figures)
        }
    }

    /// How long a publication is served before it is made again.
    static let lifetime: TimeInterval = 60

    private let compute: @Sendable () async throws -> Publication
    private var current: (publication: Publication, at: Date)?
    private var pending: Task<Publication, any Error>?

    init(compute: @escaping @Sendable () async throws -> Publication) {
        self.compute = compute
    }

    func publication(now: Date = Date()) async throws -> Publication {
        if let current, now.timeIntervalSince(current.at) < Self.lifetime { return current.publication }
        if let pending { return try await pending.value }
        let task = Task { try await compute() }
        pending = task
        defer { pending = nil }
        let figures = try await task.value
        current = (figures, now)
        return figures
    }
}
