import Foundation
import Testing

/// `make bench`'s program runs end to end in a small variant (real `empower-cli serve` processes, real devices,
/// the throttling proxy) and prints the codec and weak-signal tables; the figures themselves are not checked.
@Suite struct BenchRunTests {
    @Test func aSmallRunPrintsTheCodecAndWeakSignalTables() throws {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let process = Process()
        process.executableURL = products.appendingPathComponent("empower-bench")
        process.arguments = [
            "--operations", "100", "--samples", "10", "--rounds", "1", "--devices", "0", "--instance-devices", "0",
            "--audit-entries", "0", "--lock-writers", "0", "--page-records", "0", "--dashboard-records", "0",
            "--codec-iterations", "10", "--link-operations", "100",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(process.terminationStatus == 0)
        #expect(text.contains("## Wire codec (one operation)"))
        #expect(text.contains("| Encode one operation | "))
        #expect(text.contains("| Decode one operation | "))
        #expect(text.contains("## A weak signal (push and pull of 100 operations)"))
        for row in ["throttled, gzip off", "throttled, gzip on", "loopback, gzip off", "loopback, gzip on"] {
            #expect(text.contains("| \(row) | "), "no row for \(row)")
        }
        #expect(text.contains("| Push then pull over 2 Mbit/s and 100 ms round trip with gzip ≥ 5× faster"))
    }
}
