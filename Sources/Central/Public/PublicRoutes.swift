import Foundation
import Hummingbird
import Models

/// The public performance page, with no sign-in: `/public` (HTML), `/public/figures.csv` and
/// `/public/figures.json` (the same figures as open data). Aggregates only (`PublicFigures`), small counts
/// hidden (`PublicSuppression`); nothing is audited, as nothing about anyone is read out.
struct PublicRoutes: Sendable {
    let store: any CentralStore
    /// Counts below this are hidden.
    let threshold: Int

    static let pagePath = "/public"
    static let csvPath = "/public/figures.csv"
    static let jsonPath = "/public/figures.json"

    /// Whether a path is open to anyone (no token): the public page, its data and the pages' assets.
    static func isOpen(_ path: String) -> Bool {
        path == pagePath || path.hasPrefix(pagePath + "/") || path.hasPrefix("/assets/")
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("public") { _, _ in
            PageResponse.html(PublicPage.render(try await figures()))
        }
        router.get("public/figures.csv") { _, _ in
            PageResponse.download(
                PublicFiguresFiles.csv(try await figures()),
                contentType: "text/csv; charset=utf-8",
                filename: "empower-public-figures.csv"
            )
        }
        router.get("public/figures.json") { _, _ in
            PageResponse.download(
                try PublicFiguresFiles.json(try await figures()),
                contentType: "application/json; charset=utf-8"
            )
        }
        PageAssets.register(on: router)
    }

    /// The figures from the store as it is now.
    func figures() async throws -> PublicFigures {
        PublicFigures(
            records: try await store.records(matching: RecordFilter()),
            venues: try await store.venues(),
            reports: try await store.streetSafeReports(),
            threshold: threshold
        )
    }
}
