import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli sync`: push what is queued, pull what is new.
struct SyncCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send queued records to the central server and fetch everyone else's.",
        discussion: """
            When the server cannot be reached, nothing is lost: records stay queued on this device and the \
            command exits with status 1. Run it again when there is a signal.

            What the server refuses for a cause that passes is sent again by itself: a batch refused whole goes \
            again in halves, and records refused because this device's clock ran ahead are stamped again by the \
            server's time.

            EMPOWER_LOG_LEVEL=info (or debug) logs retries, parked batches and the pull cursor on standard error, \
            with ids and counts only.

            Exit status:
              0  everything queued reached the server
              1  the sync could not finish (nothing is lost; run it again)
              3  operations are parked (refused by the server for good, or damaged here):
                 'empower-cli status' lists them with the reasons
            """
    )

    @Option(help: ArgumentHelp("Seconds to wait for the server before giving up.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(
        help: ArgumentHelp(
            "Most operations sent in one request; smaller batches resend less when a bad network cuts one off.",
            valueName: "count"
        )
    )
    var batchSize: Int = SyncEngine.defaultPushBatchSize

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard timeout > 0, timeout <= 600 else {
            throw ArgumentParser.ValidationError("--timeout must be between 0 and 600 seconds.")
        }
        guard (1...ProtocolLimits.maxOperationsPerPush).contains(batchSize) else {
            throw ArgumentParser.ValidationError("--batch-size must be 1 to \(ProtocolLimits.maxOperationsPerPush).")
        }
    }

    /// The exit status when operations are parked after the sync.
    static let parkedExitCode: Int32 = 3

    func run() async throws {
        let directory = storage.directory
        try await RemoteWipe.finishInterrupted(in: directory)
        // The replica is closed once `sync` returns, before any wipe touches its files.
        switch try await sync() {
        case .wipeOrdered(let serverURL, let token):
            throw await RemoteWipe.carryOut(in: directory, serverURL: serverURL, token: token)
        case .parked:
            throw ExitCode(Self.parkedExitCode)
        case .done:
            break
        }
    }

    /// How a sync ended, as far as the exit status goes.
    private enum Ending {
        case done
        /// Operations are parked on this device.
        case parked
        /// The server said this device is to be wiped; its URL and the device's token.
        case wipeOrdered(serverURL: URL, token: String?)
    }

    /// Syncs and prints what moved.
    private func sync() async throws -> Ending {
        let (replica, key) = try storage.openUnlockedWithKey()
        let identity = try replica.identity()
        let token = try storage.accessToken(key: key)
        let rememberedGzip = try replica.serverTakesGzip()
        let transport = HTTPTransport(
            serverURL: identity.serverURL,
            token: token,
            requestTimeout: timeout,
            trust: try storage.storedTrust(),
            serverTakesGzip: rememberedGzip
        )
        let engine = SyncEngine(
            replica: replica,
            transport: transport,
            pushBatchSize: batchSize,
            logger: try DeviceLogger.make(label: "empower.sync")
        )
        let display = SyncProgressDisplay(pending: try replica.status().pending)
        let report: SyncReport
        // Whatever the sync's end, what it heard of gzip is kept for the next (an optimisation: never fails it),
        // written only when it changed.
        defer {
            if transport.serverTakesGzip != rememberedGzip {
                try? replica.noteServerTakesGzip(transport.serverTakesGzip)
            }
        }
        do {
            report = try await engine.sync { display.show($0) }
        } catch let error as SyncError where error.isWipeOrdered {
            display.finish()
            return .wipeOrdered(serverURL: identity.serverURL, token: token)
        } catch let error as SyncError where error.isUnauthorised {
            display.finish()
            let pending = try replica.status().pending
            throw CLIError(
                "The server no longer accepts this device's access: it has been revoked or has expired. "
                    + "Nothing was lost: \(pending) operation\(pending == 1 ? " stays" : "s stay") queued on this device. "
                    + "Ask an administrator to enrol it again."
            )
        }
        display.finish()
        print("Pushed \(report.pushed) operation\(report.pushed == 1 ? "" : "s"); pulled \(report.pulled) new.")
        if report.restamped > 0 {
            print(
                "\(report.restamped) operation\(report.restamped == 1 ? " was" : "s were") refused because this device's "
                    + "clock ran ahead, and sent again stamped by the server's time."
            )
        }
        if let warning = ClockOffsetText.warning(try replica.clockAnchor()) { print(warning) }
        if report.historyChanged {
            print(
                "The server was restored from a backup: this device offered it again everything of its own it holds, "
                    + "and pulled from the start."
            )
        }
        for rejection in report.rejected {
            print(
                "Refused by the server: \(rejection.opId.uuidString.lowercased()) (\(rejection.code)): \(rejection.message)"
            )
        }
        for notice in try replica.enrolmentNoticesToTell(report.enrolments) {
            let approve = "empower-cli device approve \(notice.deviceId)" + (storage.data.map { " --data \($0)" } ?? "")
            print(EnrolmentNoticeText.line(notice, approveCommand: approve))
        }
        if !report.venuesRefreshed {
            print("The venue list could not be refreshed this time; the device keeps the one it had.")
        }
        let parked = try replica.status().parked
        if parked > 0 {
            print(
                "\(parked) operation\(parked == 1 ? " is" : "s are") parked on this device (refused or damaged); "
                    + "'empower-cli status' lists them with the reasons."
            )
            return .parked
        }
        return .done
    }
}

/// `empower-cli status`: what waits on this device.
struct StatusCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show this device's queue, the server it syncs with, and when it last synced."
    )

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openLocked(readingOnly: true)
        let status = try replica.status()
        let identity = status.identity
        print("Device     \(identity.deviceId)")
        print(
            "User       \(identity.userId) (\(identity.role.rawValue))" + (identity.venueId.map { " at \($0)" } ?? "")
        )
        print("Server     \(identity.serverURL.absoluteString)")
        print("Pending    \(status.pending) operation\(status.pending == 1 ? "" : "s") waiting to be sent")
        print("Refused    \(status.parked)")
        print("Records    \(status.records)")
        print("Last sync  \(status.lastSyncAt.map(RecordText.localTime) ?? "never")")
        print("Clock      \(ClockOffsetText.statusLine(try replica.clockAnchor()))")
        if !replica.isEncrypted {
            print("Content    not encrypted yet: run 'empower-cli device unlock' to choose a secret")
        } else if let unlocked = try KernelKeyring.unlocked(for: storage.directory) {
            print("Content    unlocked until \(RecordText.localTime(unlocked.until))")
        } else {
            print("Content    locked: run 'empower-cli device unlock'")
        }
        if replica.isReadOnly {
            print("Data       read-only: records can be read; nothing can be recorded or synced")
        }
        for parked in try replica.parkedOperations() {
            print("  refused \(parked.opId.uuidString.lowercased()) (\(parked.code)): \(parked.message)")
        }
    }
}

/// Shows a sync's progress: a bar redrawn in place on a terminal, one plain line per batch or page otherwise.
final class SyncProgressDisplay {
    private let pending: Int
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var drewBar = false

    init(pending: Int) {
        self.pending = pending
    }

    func show(_ progress: SyncProgress) {
        let line: String
        switch progress {
        case .pushed(_, let total):
            line =
                isTerminal ? "Pushing \(bar(total, of: pending)) \(total)/\(pending)" : "pushed \(total) of \(pending)"
        case .pulled(let page, let total):
            line = isTerminal ? "Pulling … \(total) received" : "pulled a page of \(page) (\(total) received)"
        }
        if isTerminal {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
            drewBar = true
        } else {
            // A line per batch or page as it happens, also when the output is a pipe or a file.
            print(line)
            fflush(nil)
        }
    }

    func finish() {
        if drewBar { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func bar(_ done: Int, of total: Int, width: Int = 30) -> String {
        let filled = total == 0 ? width : min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
