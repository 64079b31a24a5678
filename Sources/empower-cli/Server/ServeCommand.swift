import ArgumentParser
import Central
import Foundation
import Logging
import Models

/// `empower-cli serve`: the central server on the embedded SQLite store, or on PostgreSQL.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the central server.",
        discussion: """
            Stores everything in one SQLite file in the data directory, or with --database (or the
            EMPOWER_DATABASE_URL environment variable) in PostgreSQL, where several server instances may share
            one database. The schema is created and migrated at start. Stops cleanly on Ctrl-C or SIGTERM:
            requests in flight finish first.
            When the disk fills up nothing is lost: writes are answered 503 with Retry-After and the devices
            keep them queued, reads go on, and the log says which disk is full. The SQLite store keeps a reserve
            file (disk-reserve) in its data directory for this, and starts read-only if even that is not room
            enough; writes resume by themselves once there is room.
            Example: empower-cli serve --port 8080 --data /var/lib/empower --venues fixtures/venues.json
            Example: empower-cli serve --port 8080 --database postgres://empower@db.internal:5432/empower
            """
    )

    /// The environment variable read for the PostgreSQL URL when neither --database nor --data is given.
    static let databaseEnvironmentVariable = "EMPOWER_DATABASE_URL"

    @Option(help: "The address to listen on. Loopback only until accounts and tokens exist.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 8080

    @Option(help: ArgumentHelp("The server's data directory (default: ~/.empower/central).", valueName: "dir"))
    var data: String?

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL URL (postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]) to store everything in, instead of the data directory (default: $EMPOWER_DATABASE_URL).",
            valueName: "url"
        )
    )
    var database: String?

    @Option(help: ArgumentHelp("A JSON file of venues to add or update at start.", valueName: "file"))
    var venues: String?

    @Option(help: ArgumentHelp("Refuse operations stamped more than this many minutes ahead.", valueName: "minutes"))
    var clockTolerance: Double = 10

    @Option(help: ArgumentHelp("Most requests per second from one token (bursts of twice that).", valueName: "n"))
    var rateLimit: Double = 50

    @Option(
        help: ArgumentHelp(
            "Megabytes of disk kept in reserve in the data directory: pushes stop while less than that is free besides it, and when the disk fills up it is given back so that reads go on (0: none; default 64; SQLite only).",
            valueName: "mb"
        )
    )
    var diskReserveMb: Int?

    @Option(
        help: ArgumentHelp(
            "The Ed25519 key file that signs the audit log's heads ('admin audit keygen'; default: audit-signing.key in the data directory, made at first start).",
            valueName: "file"
        )
    )
    var auditKey: String?

    @Option(
        help: ArgumentHelp(
            "A TOML file of retention review periods (docs/records-management.md; default: six years for every record, retention decided at most ten years ahead).",
            valueName: "file"
        )
    )
    var retentionConfig: String?

    /// The data directory of --data, or the default one.
    static func dataDirectory(_ option: String?) -> URL {
        option.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".empower/central")
    }

    /// The reserve when --disk-reserve-mb is not given.
    static let defaultDiskReserveMegabytes = 64

    func validate() throws {
        guard (0...65536).contains(diskReserveMb ?? 0) else {
            throw ArgumentParser.ValidationError("--disk-reserve-mb must be 0 to 65536.")
        }
        guard (0...65535).contains(port) else { throw ArgumentParser.ValidationError("--port must be 0 to 65535.") }
        guard rateLimit >= 1, rateLimit <= 1_000_000 else {
            throw ArgumentParser.ValidationError("--rate-limit must be 1 to 1000000 requests per second.")
        }
        guard (1...24 * 60).contains(clockTolerance) else {
            throw ArgumentParser.ValidationError("--clock-tolerance must be 1 to 1440 minutes.")
        }
        guard data == nil || database == nil else {
            throw ArgumentParser.ValidationError("Give either --data DIR (SQLite) or --database URL (PostgreSQL).")
        }
    }

    /// The PostgreSQL URL to use, if any: --database, or the environment when no --data is given.
    static func databaseURL(option: String?, data: String?) throws -> PostgresDatabaseURL? {
        let environment = ProcessInfo.processInfo.environment[databaseEnvironmentVariable]
        guard let text = option ?? (data == nil ? environment : nil), !text.isEmpty else { return nil }
        do {
            return try PostgresDatabaseURL(text)
        } catch {
            let source = option == nil ? databaseEnvironmentVariable : "--database"
            throw CLIError("\(source): \(error.message)")
        }
    }

    func run() async throws {
        let venueList = try venues.map { try VenueFile.load(path: $0) } ?? []
        let retention: RetentionPolicy
        do {
            retention = try retentionConfig.map(RetentionConfigurationFile.load(path:)) ?? .defaults
        } catch let error as RetentionConfigurationError {
            throw CLIError("--retention-config: \(error)")
        }
        var logger = Logger(label: "empower.central")
        logger.logLevel = .info
        if let url = try Self.databaseURL(option: database, data: data) {
            guard diskReserveMb == nil else {
                throw CLIError("--disk-reserve-mb is for the SQLite store (--data); PostgreSQL keeps no reserve file.")
            }
            var databaseLogger = Logger(label: "empower.postgres")
            databaseLogger.logLevel = .warning
            do {
                try await PostgresCentralStore.withStore(
                    url: url,
                    clockTolerance: clockTolerance * 60,
                    logger: databaseLogger,
                    eventLogger: logger
                ) { store in
                    try await serve(
                        store: store,
                        venues: venueList,
                        storage: "database: \(url)",
                        auditKey: try loadAuditKey(dataDirectory: nil, logger: logger),
                        retention: retention,
                        logger: logger
                    )
                }
            } catch let error as PostgresCentralStore.ConnectionError {
                throw CLIError(error.description)
            }
            return
        }
        let directory = Self.dataDirectory(data)
        let store: SQLiteCentralStore
        do {
            store = try SQLiteCentralStore(
                directory: directory,
                clockTolerance: clockTolerance * 60,
                diskReserveBytes: Int64(diskReserveMb ?? Self.defaultDiskReserveMegabytes) << 20,
                logger: logger
            )
        } catch {
            throw CLIError("The data directory \(directory.path) cannot be used: \(error.localizedDescription)")
        }
        try await serve(
            store: store,
            venues: venueList,
            storage: "data: \(directory.path)",
            auditKey: try loadAuditKey(dataDirectory: directory.path, logger: logger),
            retention: retention,
            logger: logger
        )
    }

    /// The key of --audit-key, or the default one, made on first start (and said so, with its public key).
    private func loadAuditKey(dataDirectory: String?, logger: Logger) throws -> AuditSigningKey {
        do {
            if let auditKey { return try AuditSigningKey.load(from: URL(fileURLWithPath: auditKey)) }
            let file = AuditKeyFiles.defaultKeyFile(dataDirectory: dataDirectory)
            if FileManager.default.fileExists(atPath: file.path) { return try AuditSigningKey.load(from: file) }
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(),
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            let key = try AuditSigningKey(name: AuditKeyFiles.defaultLogName)
            try key.save(to: file)
            logger.notice(
                "Made the audit signing key \(file.path): keep a copy away from this server, and publish its public key.",
                metadata: ["publicKey": "\(key.publicKey.text)"]
            )
            return key
        } catch let error as AuditKeyError {
            throw CLIError(error.message)
        }
    }

    /// Saves the venues given, then serves until SIGINT or SIGTERM.
    private func serve(
        store: any CentralStore,
        venues: [Venue],
        storage: String,
        auditKey: AuditSigningKey,
        retention: RetentionPolicy,
        logger: Logger
    ) async throws {
        do {
            for venue in venues { try await store.saveVenue(venue, by: .console(), now: Date()) }
        } catch let error as StoreUnavailable {
            logger.warning("The venues of --venues were not saved (\(error)); serving the venues stored before.")
        }
        var settings = CentralConfiguration(
            host: host,
            port: port,
            rateLimiter: RateLimiter(perSecond: rateLimit, burst: rateLimit * 2),
            auditKey: auditKey
        )
        settings.retention = retention
        let configuration = settings
        if !configuration.isLoopback {
            print("Warning: listening on \(host), beyond this machine, over plain HTTP: put TLS in front of it.")
        }
        try await CentralServer.serve(configuration: configuration, store: store, logger: logger) { port in
            // Written unbuffered: tools that start the server read this line to learn the port.
            var lines = "Empower central server on http://\(configuration.host):\(port) (\(storage))\n"
            if configuration.isLoopback {
                lines += "Listening on loopback only: no accounts or tokens yet, so only this machine may connect.\n"
            }
            FileHandle.standardOutput.write(Data(lines.utf8))
        }
    }
}

/// Reads a venue list file (`{"venues": [...]}`), checking every venue's id.
enum VenueFile {
    static func load(path: String) throws -> [Venue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("The venues file \(path) cannot be read.")
        }
        let list: VenueList
        do {
            list = try WireCoding.decode(VenueList.self, from: data)
        } catch {
            throw CLIError("The venues file \(path) is not a venue list ({\"venues\": [...]}).")
        }
        for venue in list.venues {
            do throws(Models.ValidationError) { try Identifiers.validateVenue(venue.id) } catch {
                throw CLIError("In \(path): \(error.message)")
            }
        }
        return list.venues
    }
}
