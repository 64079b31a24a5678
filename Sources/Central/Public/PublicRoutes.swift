import Foundation
import Hummingbird
import Models

/// The public performance page, with no sign-in: `/public` (HTML), `/public/figures.csv` and
/// `/public/figures.json` (the same figures as open data). Aggregates only (`PublicFigures`), small counts
/// hidden (`PublicSuppression`); nothing is audited, as nothing about anyone is read out. The figures are
/// reckoned at most once a minute and shared by every request.
struct PublicRoutes: Sendable {
    let store: any CentralStore
    /// Counts below this are hidden.
    let threshold: Int
    /// The figures as published, made at most once a minute (`PublicFiguresCache`).
    let cache: PublicFiguresCache

    init(store: any CentralStore, threshold: Int) {
        self.store = store
        self.threshold = threshold
        cache = PublicFiguresCache { [store] in
            try PublicFiguresCache.Publication(
                PublicFigures(
                    records: try await store.records(matching: RecordFilter()),
                    venues: try await store.venues(),
                    reports: try await store.streetSafeReports(),
                    threshold: threshold
                )
            )
        }
    }

    static let pagePath = "/public"
    static let csvPath = "/public/figures.csv"
    static let jsonPath = "/public/figures.json"

    /// Whether a path is open to anyone (no token): the public page, its data and the pages' assets.
    static func isOpen(_ path: String) -> Bool {
        path == pagePath || path.hasPrefix(pagePath + "/") || path.hasPrefix("/assets/")
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("public") { _, _ in
            PageResponse.html(try await cache.publication().html)
        }
        router.get("public/figures.csv") { _, _ in
            PageResponse.download(
                try await cache.publication().csv,
                contentType: "text/csv; charset=utf-8",
                filename: "empower-public-figures.csv"
            )
        }
        router.get("public/figures.json") { _, _ in
            PageResponse.download(
                try await cache.publication().json,
                contentType: "application/json; charset=utf-8"
            )
        }
        PageAssets.register(on: router)
    }
}
