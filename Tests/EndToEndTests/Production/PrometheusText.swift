import Foundation

/// A scrape in the Prometheus text format (0.0.4), parsed strictly: every line is a comment (`# HELP`,
/// `# TYPE` with a known type) or a sample `name{label="value",…} number` of a declared metric.
struct PrometheusText {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    init(_ text: String) throws {
        let sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
        let label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                else { throw FormatError(description: "a bad TYPE line: \(line)") }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") || line.hasPrefix("#") { continue }
            guard let match = try sample.wholeMatch(in: String(line)) else {
                throw FormatError(description: "not a sample: \(line)")
            }
            let name = String(match.1)
            var labels: [String: String] = [:]
            if let text = match.2 {
                var rest = Substring(text)
                while !rest.isEmpty {
                    guard let pair = try label.prefixMatch(in: rest) else {
                        throw FormatError(description: "bad labels: \(line)")
                    }
                    labels[String(pair.1)] = String(pair.2)
                    rest = rest[pair.range.upperBound...]
                }
            }
            guard let value = Double(match.3) ?? (match.3 == "+Inf" ? .infinity : nil) else {
                throw FormatError(description: "not a number: \(line)")
            }
            let family = ["_bucket", "_count", "_sum"].reduce(name) { family, suffix in
                types[family] == nil && family.hasSuffix(suffix) ? String(family.dropLast(suffix.count)) : family
            }
            guard types[family] != nil else { throw FormatError(description: "no TYPE for \(name)") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    /// The sum of the samples of `name` whose labels include `labels` (0 when there is none yet).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
        }
        .reduce(0) { $0 + $1.value }
    }
}
