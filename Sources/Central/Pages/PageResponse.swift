import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Responses of the pages: HTML, CSV and JSON with headers that keep the visitor's browser from loading
/// anything from elsewhere, framing the page, sending a referrer, or keeping a copy.
///
/// The Content-Security-Policy allows only the server's own script and stylesheet (no inline script or style,
/// no other origin), images only from `data:` and the server, no forms, no frames. No response sets a cookie.
public enum PageResponse {
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy,
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Permissions-Policy")!: "geolocation=(), camera=(), microphone=(), interest-cohort=()",
        HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
        HTTPField.Name("Cross-Origin-Resource-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    /// An HTML page.
    public static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        make(Data(html.utf8), contentType: "text/html; charset=utf-8", status: status)
    }

    /// A download (CSV, JSON) with the page's headers, named `filename` when saved.
    public static func download(_ data: Data, contentType: String, filename: String? = nil) -> Response {
        var response = make(data, contentType: contentType, status: .ok)
        if let filename { response.headers[.contentDisposition] = "inline; filename=\"\(filename)\"" }
        return response
    }

    static func asset(_ text: String, contentType: String) -> Response {
        make(Data(text.utf8), contentType: contentType, status: .ok)
    }

    private static func make(_ data: Data, contentType: String, status: HTTPResponse.Status) -> Response {
        var headers = securityHeaders
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
