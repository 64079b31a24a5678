import Hummingbird
import Models

extension QueryParameters {
    /// The query parameter of a read that names the protocol version of its answer (1 when left out).
    static let protocolVersion = "protocolVersion"

    /// How the answer to a read writes clock stamps, by its `protocolVersion` parameter: numbers for 1 (what older
    /// clients get, asking for none), strings for 2 (`ClockStampForm`); 400 `bad-parameter` for another version.
    static func clockStamps(_ query: Parameters) throws -> ClockStampForm {
        let versions = WireCoding.supportedProtocolVersions
        let version = try integer(
            query,
            protocolVersion,
            default: Int64(versions.lowerBound),
            range: Int64(versions.lowerBound)...Int64(versions.upperBound)
        )
        return ClockStampForm(protocolVersion: Int(version))
    }
}
