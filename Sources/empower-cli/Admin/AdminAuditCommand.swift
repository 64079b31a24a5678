import ArgumentParser
import Central
import Foundation
import Models

/// `empower-cli admin audit …`: the audit log, its signed heads, anchors and proofs (docs/audit.md).
struct AdminAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List, verify and prove the audit log; make its signing key; anchor its heads.",
        discussion: """
            The server seals new audit entries into an RFC 9162 Merkle tree every half second and signs each \
            tree head with its Ed25519 key (serve --audit-key; by default audit-signing.key in the data \
            directory, made at first start). Keep heads elsewhere with 'anchor', and 'verify --anchors' proves \
            today's log extends every one of them: a log rewritten inside the database is caught.
            """,
        subcommands: [List.self, Verify.self, Head.self, Anchor.self, Prove.self, Keygen.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit entries, oldest first.")
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "Only this user's entries.") var actor: String?
        @Option(help: "Only entries about this record id.") var record: String?
        @Option(help: "Only entries at or after this ISO-8601 time.") var since: String?
        @Option(help: "Only entries before this ISO-8601 time.") var until: String?
        @Flag(help: "Print JSON lines instead of a table.") var json = false

        func run() async throws {
            if let actor {
                do throws(Models.ValidationError) {
                    try TextRules.check(actor, field: "value of --actor", limit: TextLimits.actor)
                } catch { throw CLIError(error.message) }
            }
            var filter = AuditFilter(actor: actor)
            if let record {
                guard let id = UUID(text: record) else { throw CLIError("--record must be a record id (a UUID).") }
                filter.recordId = id
            }
            for (text, name) in [(since, "--since"), (until, "--until")] where text != nil {
                guard WireCoding.parseDate(text!) != nil else {
                    throw CLIError("\(name) must be an ISO-8601 time such as 2026-11-21T18:00:00Z.")
                }
            }
            filter.since = since.flatMap(WireCoding.parseDate)
            filter.until = until.flatMap(WireCoding.parseDate)
            let backend = try target.backend()
            for entry in try await administer({ try await backend.audit(filter) }) {
                if json {
                    print(String(decoding: try WireCoding.encode(entry), as: UTF8.self))
                    continue
                }
                print(Self.line(entry))
            }
        }

        /// One entry as a line of the table. Its text is shown with anything unprintable escaped
        /// (`TextRules.escaped`), so an entry stored before the text rule, or written behind the server's back,
        /// still shows as one line that looks like what it is.
        static func line(_ entry: AuditEntry) -> String {
            var parts = [
                "#\(entry.seq)", WireCoding.formatDate(entry.at), entry.actor, entry.deviceId, entry.action.rawValue,
            ]
            if let scope = entry.scope { parts.append("scope: \(scope)") }
            if let count = entry.count { parts.append("count: \(count)") }
            if let positions = entry.positions { parts.append("positions: \(positions.first)-\(positions.last)") }
            if !entry.recordIds.isEmpty {
                parts.append(
                    "records: " + entry.recordIds.prefix(5).map { $0.uuidString.lowercased() }.joined(separator: ",")
                )
                if entry.recordIds.count > 5 { parts.append("(+\(entry.recordIds.count - 5) more)") }
            }
            if let subject = entry.subject { parts.append("subject: \(subject)") }
            if let reason = entry.reason { parts.append("reason: \(reason)") }
            if let recipient = entry.recipient { parts.append("to: \(recipient)") }
            return TextRules.escaped(parts.joined(separator: "  "))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every sealed entry, every signed head and every anchored head; exit 1 naming each problem."
        )
        @OptionGroup var target: AdminTargetOptions
        @OptionGroup var key: AuditPublicKeyOptions
        @Option(
            help: ArgumentHelp(
                "A file of heads kept by 'admin audit anchor', each to be extended by today's log.",
                valueName: "file"
            )
        )
        var anchors: String?

        func run() async throws {
            let backend = try target.backend()
            let anchored = try anchors.map(AuditKeyFiles.anchors(in:)) ?? []
            let publicKey = try await key.resolve(target: target, backend: backend)
            guard publicKey != nil || anchored.isEmpty else {
                throw CLIError(
                    "Checking anchors needs the log's public key: give --public-key KEY or --audit-key FILE."
                )
            }
            let result = try await administer { try await backend.verifyAudit(publicKey: publicKey, anchors: anchored) }
            guard result.isIntact else {
                for problem in result.problems {
                    let place = problem.seq.map { "Entry \($0)" } ?? problem.leafIndex.map { "Leaf \($0)" } ?? "Log"
                    print("\(place): \(problem.kind.rawValue) — \(problem.message)")
                }
                throw CLIError("The audit log has been tampered with: \(result.problems.count) problem(s) found.")
            }
            print("The audit log is intact: \(result.entriesChecked) entries checked.")
            if let publicKey, result.signaturesChecked {
                print("\(result.headsChecked) signed heads match the entries and are signed by \(publicKey.text).")
            } else {
                print(
                    "\(result.headsChecked) signed heads match the entries; their signatures were not checked (no public key)."
                )
            }
            if !anchored.isEmpty { print("Today's log extends all \(result.anchorsChecked) anchored heads.") }
            if result.entriesUnsealed > 0 {
                print(
                    "\(result.entriesUnsealed) newer entries are not sealed yet; the server seals them within a second."
                )
            }
        }
    }

    struct Head: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the newest signed tree head (a signed note: log name, size, root hash, time, signature)."
        )
        @OptionGroup var target: AdminTargetOptions

        func run() async throws {
            let response = try await administer { try await target.backend().auditHead() }
            guard let head = response.head else { throw CLIError("Nothing is sealed yet: the audit log has no head.") }
            print(head, terminator: "")
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Append the newest signed head to a file kept away from the server (another host, a ticket, paper).",
            discussion: "Later, 'admin audit verify --anchors FILE' proves the log still extends every head in it."
        )
        @OptionGroup var target: AdminTargetOptions
        @OptionGroup var key: AuditPublicKeyOptions
        @Option(help: ArgumentHelp("The anchors file (created if missing, appended to).", valueName: "file"))
        var out: String

        func run() async throws {
            let backend = try target.backend()
            let response = try await administer { try await backend.auditHead() }
            guard let note = response.head else {
                throw CLIError("Nothing is sealed yet: the audit log has no head to anchor.")
            }
            let head = try AuditKeyFiles.head(note)
            if let publicKey = try await key.resolve(target: target, backend: backend), !head.isSigned(by: publicKey) {
                throw CLIError("The newest head is not signed by \(publicKey.text); nothing was anchored.")
            }
            try AuditKeyFiles.append(
                "# anchored \(WireCoding.formatDate(Date()))\n\(note)\n",
                to: URL(fileURLWithPath: out)
            )
            print("Anchored the head of size \(head.size), signed \(WireCoding.formatDate(head.time)), in \(out).")
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an entry's inclusion proof against the newest signed head, checked.",
            discussion: "For a disclosure's paper trail: anyone with the log's public key can check it again."
        )
        @OptionGroup var target: AdminTargetOptions
        @OptionGroup var key: AuditPublicKeyOptions
        @Argument(help: ArgumentHelp("The entry's number, as 'admin audit list' shows it (#N).", valueName: "entry"))
        var entry: String
        @Flag(help: "Print the proof as JSON.") var json = false

        func run() async throws {
            guard let seq = Int64(entry.hasPrefix("#") ? String(entry.dropFirst()) : entry), seq > 0 else {
                throw CLIError("The entry must be its number, such as 42 or #42.")
            }
            let backend = try target.backend()
            let proof = try await administer { try await backend.auditProof(seq: seq) }
            let publicKey = try await key.resolve(target: target, backend: backend)
            let checks = publicKey.map(proof.verify(publicKey:))
            if json {
                print(String(decoding: try WireCoding.encode(proof), as: UTF8.self))
            } else {
                print("Entry \(proof.seq) is leaf \(proof.leafIndex) of the tree of \(proof.treeSize) entries.")
                print("Entry: \(TextRules.escaped(proof.entry))")
                print("Leaf hash: \(proof.leafHash.base64EncodedString())")
                print("Audit path (\(proof.path.count) hashes, leaf to root):")
                for hash in proof.path { print("  \(hash.base64EncodedString())") }
                print("Signed head:")
                print(proof.head, terminator: "")
            }
            switch checks {
            case true?: if !json { print("The proof checks against \(publicKey!.text).") }
            case false?: throw CLIError("The proof does NOT check against \(publicKey!.text).")
            case nil: if !json { print("The proof was not checked: give --public-key KEY or --audit-key FILE.") }
            }
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the Ed25519 key that signs the audit log's heads, and print its public key.",
            discussion: """
                The key file is readable by its owner only and is never replaced. Give it to the server with \
                'serve --audit-key FILE' (every instance of one database the same key), keep a copy offline, and \
                publish the public key printed here: verifiers check heads against it.
                """
        )
        @Option(help: ArgumentHelp("Where to write the key file.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("The log's name (no spaces or '+'), written in every head.", valueName: "name"))
        var name: String = AuditKeyFiles.defaultLogName

        func run() async throws {
            let key: AuditSigningKey
            do {
                key = try AuditSigningKey(name: name)
                try key.save(to: URL(fileURLWithPath: out))
            } catch let error as AuditKeyError {
                throw CLIError(error.message)
            }
            print("The audit signing key is in \(out). Its public key, to publish:")
            print(key.publicKey.text)
        }
    }
}

/// Where the audit log's public key comes from, for the commands that check signatures.
struct AuditPublicKeyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The log's published public key (NAME+ID+KEY), or a file holding it.",
            valueName: "key"
        )
    )
    var publicKey: String?

    @Option(
        help: ArgumentHelp(
            "The server's signing key file, to check with its public half (default: audit-signing.key in --data).",
            valueName: "file"
        )
    )
    var auditKey: String?

    /// --public-key, else the key file's public half, else the key the server reports; nil if none.
    func resolve(target: AdminTargetOptions, backend: any AdminBackend) async throws -> AuditPublicKey? {
        do {
            if let publicKey {
                let text =
                    FileManager.default.fileExists(atPath: publicKey)
                    ? try String(contentsOfFile: publicKey, encoding: .utf8) : publicKey
                return try AuditPublicKey(text: text)
            }
            if let auditKey { return try AuditSigningKey.load(from: URL(fileURLWithPath: auditKey)).publicKey }
            if let data = target.data {
                let file = AuditKeyFiles.defaultKeyFile(dataDirectory: data)
                if FileManager.default.fileExists(atPath: file.path) {
                    return try AuditSigningKey.load(from: file).publicKey
                }
            }
        } catch let error as AuditKeyError {
            throw CLIError(error.message)
        }
        guard target.server != nil, let text = try await backend.auditHead().publicKey else { return nil }
        return try? AuditPublicKey(text: text)
    }
}
