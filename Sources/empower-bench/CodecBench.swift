import Foundation
import Models

/// Encoding and decoding one operation with the hand-written codec (`WireCoding.encodeOperation` and
/// `decodeOperation`, `Models/Wire/Codec`) and with Foundation's `JSONEncoder`/`JSONDecoder` (Empower's settings,
/// `WireCoding.makeEncoder`/`makeDecoder`, so both write the same bytes): whether the codec earns its size.
struct CodecBench {
    struct Figures {
        /// The operation's size, encoded.
        var bytes: Int
        var runs: Int
        var iterations: Int
        /// Median nanoseconds per operation.
        var handEncode: Double
        var handDecode: Double
        var foundationEncode: Double
        var foundationDecode: Double
    }

    /// `runs` timed runs of `iterations` encodes (or decodes) each, after one untimed run; medians per operation.
    func run(runs: Int = 21, iterations: Int = 2000) throws -> Figures {
        let sighting = BenchCommand.sighting(index: 1)
        let operation = LogOperation(
            deviceId: "dev-codec",
            author: "PC-4127",
            hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: 1),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        let encoder = WireCoding.makeEncoder()
        let decoder = WireCoding.makeDecoder()
        let data = WireCoding.encodeOperation(operation)
        guard try encoder.encode(operation) == data, try WireCoding.decodeOperation(data) == operation,
            try decoder.decode(LogOperation.self, from: data) == operation
        else { throw BenchError("The two codecs do not agree on the benchmark operation.") }

        func nanoseconds(_ body: () throws -> Void) throws -> Double {
            try body()
            var times: [Double] = []
            for _ in 0..<runs {
                times.append(try BenchCommand.time { for _ in 0..<iterations { try body() } } / Double(iterations))
            }
            return BenchCommand.median(times) * 1e9
        }
        // `blackHole` keeps the optimiser from dropping work whose result is unused.
        return Figures(
            bytes: data.count,
            runs: runs,
            iterations: iterations,
            handEncode: try nanoseconds { Self.blackHole(WireCoding.encodeOperation(operation).count) },
            handDecode: try nanoseconds { Self.blackHole(try WireCoding.decodeOperation(data).hlc.counter) },
            foundationEncode: try nanoseconds { Self.blackHole(try encoder.encode(operation).count) },
            foundationDecode: try nanoseconds {
                Self.blackHole(try decoder.decode(LogOperation.self, from: data).hlc.counter)
            }
        )
    }

    @inline(never)
    static func blackHole<Value>(_ value: Value) { withExtendedLifetime(value) {} }

    static func markdown(_ figures: Figures?) -> [String] {
        guard let figures else { return [] }
        func row(_ name: String, _ hand: Double, _ foundation: Double) -> String {
            "| \(name) | \(microseconds(hand)) | \(microseconds(foundation)) | "
                + String(format: "%.1f×", foundation / hand) + " |"
        }
        return [
            "## Wire codec (one operation)",
            "",
            "One sighting's create operation (\(BenchReport.count(figures.bytes)) bytes of JSON), in this process; "
                + "median of \(figures.runs) runs of \(BenchReport.count(figures.iterations)) each, per operation. "
                + "Foundation's coders have Empower's settings (sorted keys, its date format), so both write the "
                + "same bytes.",
            "",
            "| measure | hand-written codec (`WireCoding`) | Foundation (`JSONEncoder` / `JSONDecoder`) | Foundation ÷ "
                + "hand-written |",
            "| --- | --- | --- | --- |",
            row("Encode one operation", figures.handEncode, figures.foundationEncode),
            row("Decode one operation", figures.handDecode, figures.foundationDecode),
            "",
        ]
    }

    static func microseconds(_ nanoseconds: Double) -> String { String(format: "%.2f µs", nanoseconds / 1000) }
}
