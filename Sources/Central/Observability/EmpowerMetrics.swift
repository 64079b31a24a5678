import Foundation
import Metrics

/// The server's metrics, through swift-metrics: `empower-cli serve --metrics-address` exposes them in the
/// Prometheus text format; without a metrics system bootstrapped (tests, the demo) they cost nothing.
///
/// Names and labels (every label value is a route template, a method, a status or a refusal code: never a
/// record, a user, a device or a token):
/// - `empower_http_requests_total{route,method,status}`: requests answered.
/// - `empower_http_request_duration_seconds{route,method}`: a histogram of the time to answer.
/// - `empower_operations_pushed_total`: operations stored from pushes (accepted, repeats included).
/// - `empower_operations_rejected_total{code}`: operations of pushes refused, by code.
/// - `empower_operations_pulled_total`: operations sent in pull pages.
/// - `empower_refusals_total{code,status}`: error answers (4xx, 5xx), by the body's code.
/// - `empower_rate_limited_total`: requests refused by a rate limit; a limiter increments `rateLimited`.
/// - `empower_audit_seal_failures_total`: sealing passes that failed.
/// - `empower_audit_last_seal_timestamp_seconds`: when this instance's sealer last finished a pass with nothing
///   left it could seal (Unix time; on PostgreSQL, finding another instance sealing counts): the sealing lag is
///   at most the scrape's time less this, plus the seal interval.
/// - `empower_audit_tree_size`: entries in the sealed audit tree.
/// - `empower_tls_certificate_expiry_timestamp_seconds`: when the served certificate expires (Unix time).
/// - `empower_tls_certificate_reloads_total{result}`: certificate reloads, `ok` or `failed`.
public enum EmpowerMetrics {
    /// Counted once per request refused by a rate limit, whichever limiter refused it (`countRateLimited()`).
    public static let rateLimited = Counter(label: "empower_rate_limited_total")

    /// Makes the counters without labels, so that a scrape shows them at 0 before anything happened.
    static func declare() {
        _ = [rateLimited, operationsPushed, operationsPulled, auditSealFailures]
    }

    /// Counts a request refused by a rate limit.
    public static func countRateLimited() { rateLimited.increment() }

    /// Counts an error answer by its code and status.
    static func countRefusal(code: String, status: Int) { refusal(code: code, status: status).increment() }

    /// Counts a push's outcome: operations stored and operations refused, by code.
    static func countPush(accepted: Int, rejectedCodes: [String]) {
        operationsPushed.increment(by: accepted)
        for code in rejectedCodes { operationsRejected(code: code).increment() }
    }

    /// Counts the operations of a pull page.
    static func countPulled(_ count: Int) { operationsPulled.increment(by: count) }

    /// Records a sealing pass: `treeSize` after a seal, or a failure.
    static func recordSealing(succeeded: Bool) {
        if succeeded {
            auditLastSeal.record(Date().timeIntervalSince1970)
        } else {
            auditSealFailures.increment()
        }
    }

    /// Records the size of the audit tree just sealed.
    static func recordTreeSize(_ size: Int64) { auditTreeSize.record(size) }

    static let operationsPushed = Counter(label: "empower_operations_pushed_total")
    static let operationsPulled = Counter(label: "empower_operations_pulled_total")
    static let auditSealFailures = Counter(label: "empower_audit_seal_failures_total")
    static let auditLastSeal = Gauge(label: "empower_audit_last_seal_timestamp_seconds")
    static let auditTreeSize = Gauge(label: "empower_audit_tree_size")
    static let certificateExpiry = Gauge(label: "empower_tls_certificate_expiry_timestamp_seconds")

    static func operationsRejected(code: String) -> Counter {
        Counter(label: "empower_operations_rejected_total", dimensions: [("code", code)])
    }

    static func refusal(code: String, status: Int) -> Counter {
        Counter(label: "empower_refusals_total", dimensions: [("code", code), ("status", "\(status)")])
    }

    static func certificateReload(succeeded: Bool) -> Counter {
        Counter(label: "empower_tls_certificate_reloads_total", dimensions: [("result", succeeded ? "ok" : "failed")])
    }

    static func requests(route: String, method: String, status: Int) -> Counter {
        Counter(
            label: "empower_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", "\(status)")]
        )
    }

    static func requestDuration(route: String, method: String) -> Metrics.Timer {
        Metrics.Timer(
            label: "empower_http_request_duration_seconds",
            dimensions: [("route", route), ("method", method)],
            preferredDisplayUnit: .seconds
        )
    }
}
