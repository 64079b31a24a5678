import ArgumentParser
import Foundation
import Sync

/// Where the officer's unlock secret comes from: a prompt on the terminal (no echo), or `--secret-file FILE`
/// for scripts and tests. Never a command-line value, which other users could read in the process list.
struct UnlockSecretOptions: ParsableArguments {
    @Option(
        name: .customLong("secret-file"),
        help: ArgumentHelp(
            "Read the unlock secret from this file (its first line) instead of asking for it.",
            discussion: "For scripts and tests. Without it the secret is asked for on the terminal, not echoed.",
            valueName: "file"
        )
    )
    var secretFile: String?

    /// The secret of an existing device: asked once.
    func existingSecret() throws -> String {
        if let secretFile { return try Self.readFile(secretFile) }
        return try Self.prompt("Unlock secret: ")
    }

    /// A new secret: asked twice, and at least `WrappedDataKey.minimumSecretLength` characters long.
    func newSecret() throws -> String {
        let secret: String
        if let secretFile {
            secret = try Self.readFile(secretFile)
        } else {
            print(
                "Choose a secret to unlock this device with (at least \(WrappedDataKey.minimumSecretLength) "
                    + "characters). Without it nothing recorded here can be read, and it cannot be recovered."
            )
            secret = try Self.prompt("New unlock secret: ")
            try WrappedDataKey.checkNewSecret(secret)
            guard try Self.prompt("The same secret again: ") == secret else {
                throw CLIError("The two secrets differ. Nothing was changed; run the command again.")
            }
        }
        try WrappedDataKey.checkNewSecret(secret)
        return secret
    }

    /// The first line of a secret file.
    private static func readFile(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("The secret file \(path) cannot be read.")
        }
        let secret =
            String(decoding: data, as: UTF8.self)
            .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !secret.isEmpty else { throw CLIError("The secret file \(path) is empty.") }
        return secret
    }

    /// Asks on the terminal with echo off, whatever stdin and stdout are.
    private static func prompt(_ prompt: String) throws -> String {
        let terminal = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard terminal >= 0 else {
            throw CLIError("There is no terminal to ask for the unlock secret on: give it with --secret-file FILE.")
        }
        defer { close(terminal) }
        var saved = termios()
        let hasAttributes = tcgetattr(terminal, &saved) == 0
        if hasAttributes {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(terminal, TCSAFLUSH, &silent)
        }
        defer {
            if hasAttributes { tcsetattr(terminal, TCSAFLUSH, &saved) }
            _ = "\n".withCString { write(terminal, $0, 1) }
        }
        _ = prompt.withCString { write(terminal, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(terminal, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// How long an unlock lasts: `30s`, `45m`, `12h` or `1d` (a bare number is seconds).
struct UnlockDuration: ExpressibleByArgument, Sendable {
    var seconds: TimeInterval

    static let standard = UnlockDuration(seconds: 12 * 3600)

    init(seconds: TimeInterval) {
        self.seconds = seconds
    }

    init?(argument: String) {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(argument)
        var unit: TimeInterval = 1
        if let last = argument.last, let multiplier = units[last] {
            digits = digits.dropLast()
            unit = multiplier
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = Int(digits), count > 0,
            Double(count) * unit <= KernelKeyring.longestUnlock
        else { return nil }
        seconds = Double(count) * unit
    }

    var defaultValueDescription: String { "12h" }
}
