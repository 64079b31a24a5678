import ArgumentParser
import Foundation
import Sync

/// `empower-cli device repair`: a fresh database in place of a damaged one, keeping what the server has not got.
struct DeviceRepairCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Repair a damaged device database, keeping what the server has not yet received.",
        discussion: """
            When a command says the device's database is damaged (cut short, corrupted, empty), this keeps every \
            operation recorded here that the server has not acknowledged and that can still be read, moves the \
            damaged file aside (device.sqlite.damaged-<time>, in the same directory), and starts a fresh database \
            with them queued again. The next 'sync' sends them and brings back everything else from the server. \
            Needs the device unlocked, or asks for the unlock secret. A database that is not damaged is left as it is. \
            If not even the device's identity can be read, nothing can be kept: the file is moved aside, and the \
            device is set up again with 'device init' and a new enrolment token.
            """
    )

    @OptionGroup var secret: UnlockSecretOptions

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let directory = storage.directory
        if let movedTo = try ReplicaRepair.finishInterrupted(in: directory) {
            print("An interrupted repair was finished: the repaired database is in place.")
            print("The damaged database was moved to \(movedTo.path).")
            print("Run 'empower-cli sync' to bring back everything else from the server.")
            return
        }
        guard let damaged = try DamagedReplica.inspect(in: directory) else {
            print("The device's database in \(directory.path) is not damaged: nothing was changed.")
            return
        }
        print("The device's database is damaged: \(damaged.reason).")
        guard damaged.identity != nil else {
            throw try unrecoverable(damaged, because: "the device's identity cannot be read from it")
        }
        var unlockedNow = false
        let key: DataKey
        if let unlocked = try KernelKeyring.unlocked(for: directory), (try? damaged.check(unlocked.key)) != nil {
            key = unlocked.key
        } else if !damaged.isEncrypted {
            print("This device was set up before its records were encrypted: they are encrypted with your new secret.")
            (key, unlockedNow) = (DataKey.random(), true)
        } else if let wrappedKey = damaged.wrappedKey {
            (key, unlockedNow) = (try wrappedKey.unwrap(secret: try secret.existingSecret()), true)
        } else {
            throw try unrecoverable(damaged, because: "the device is locked and its key cannot be read from the file")
        }
        let wrappedKey: WrappedDataKey
        if let stored = damaged.wrappedKey {
            wrappedKey = stored
        } else {
            if damaged.isEncrypted {
                print(
                    "The device's key is unlocked, but the file no longer holds it for your secret: choose one again."
                )
            }
            wrappedKey = try WrappedDataKey.wrap(key, secret: try secret.newSecret())
        }
        let report = try damaged.repair(key: key, wrappedKey: wrappedKey)
        try AccessTokenFile.sealIfClear(in: directory, key: key)
        let operations = "operation\(report.salvaged == 1 ? "" : "s")"
        let records = "record\(report.records == 1 ? "" : "s")"
        print(
            "Repaired: \(report.salvaged) \(operations) the server had not acknowledged \(report.salvaged == 1 ? "is" : "are") "
                + "queued again (\(report.records) \(records) on the device until the next sync)."
        )
        if report.unreadable > 0 {
            print(
                "\(report.unreadable) stored operation\(report.unreadable == 1 ? "" : "s") could not be read: any of "
                    + "them that had not reached the server is lost."
            )
        }
        print("The damaged database was moved to \(report.movedTo.path).")
        if unlockedNow {
            let until = try KernelKeyring.store(key, for: directory, lasting: UnlockDuration.standard.seconds)
            print("Unlocked until \(RecordText.localTime(until)); 'empower-cli device lock' locks it now.")
        }
        print("Run 'empower-cli sync' to send them and bring back everything else from the server.")
    }

    /// Moves the damaged database aside, keeping nothing; the error the command ends with.
    private func unrecoverable(_ damaged: DamagedReplica, because reason: String) throws -> CLIError {
        let movedTo = try damaged.moveAside()
        return CLIError(
            "Nothing could be kept: \(reason). The damaged database was moved to \(movedTo.path). Set the device up "
                + "again with 'empower-cli device init' and a new enrolment token from an administrator; what the "
                + "server already has comes back at its first sync."
        )
    }
}
