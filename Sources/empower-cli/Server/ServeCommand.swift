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
            Stores everything in one SQLite file in the data directory, or with --database (or the \
            EMPOWER_DATABASE_URL environment variable) in PostgreSQL, where several server instances may share \
            one database. The schema is created and migrated at start. Stops cleanly on Ctrl-C or SIGTERM: \
            requests in flight finish first. \
            When the disk fills up nothing is lost: writes are answered 503 with Retry-After and the devices \
            keep them queued, reads go on, and the log says which disk is full. The SQLite store keeps a reserve \
            file (disk-reserve) in its data directory for this, and starts read-only if even that is not room \
            enough; writes resume by themselves once there is room.

            Example: empower-cli serve --port 8080 --data /var/lib/empower --venues fixtures/venues.json

            Example: empower-cli serve --port 8080 --database postgres://empower@db.internal:5432/empower

            In production: --host 0.0.0.0 --tls-cert FILE --tls-key FILE serves HTTPS (SIGHUP reloads the \
            certificate; a reload that fails keeps the old one and logs why), --metrics-address 127.0.0.1:9464 \
            serves Prometheus metrics apart from the API, --log-format json writes one JSON object a line. \
            Plain HTTP beyond loopback is refused unless --allow-plain-http (TLS done by a proxy in front). \
            Every option may also be set in a TOML configuration file (--config, or EMPOWER_SERVE_CONFIG), as \
            'port = 8080', or in the environment as EMPOWER_SERVE_<OPTION> (EMPOWER_SERVE_CLOCK_TOLERANCE=5; \
            --database is EMPOWER_DATABASE_URL). The command line wins over the environment, and the environment \
            over the file. See deploy/ for an example file and systemd unit.
            """
    )

    @Option(
        help: ArgumentHelp(
            "A TOML file of settings, each named as an option without its dashes (default: $EMPOWER_SERVE_CONFIG).",
            valueName: "file"
        )
    )
    var config: String?

    @Flag(
        help:
            "Check the settings (options, configuration file, environment) and the files they name, list them, and stop."
    )
    var check = false

    /// The environment variable read for the PostgreSQL URL when neither --database nor --data is given.
    static let databaseEnvironmentVariable = "EMPOWER_DATABASE_URL"

    @Option(help: "The address to listen on. Beyond loopback: with --tls-cert, or --allow-plain-http behind a proxy.")
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
            "Refused access tokens one client address may send before it is answered 429, then one every 5 seconds (enrolment tokens at /v1/enrol: a quarter as many, then one a minute).",
            valueName: "n"
        )
    )
    var authFailureLimit: Double = 20

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

    /// TLS, metrics and the log: `ProductionOptions`.
    @OptionGroup(title: "Production (TLS, metrics, logs)") var production: ProductionOptions

    @Option(
        help: ArgumentHelp(
            "On the public page (/public) and its open data, counts below this are shown as 'fewer than N' (1 to 100; default 5).",
            valueName: "n"
        )
    )
    var publicThreshold: Int = PublicSuppression.defaultThreshold

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
        guard authFailureLimit >= 1, authFailureLimit <= 1_000_000 else {
            throw ArgumentParser.ValidationError("--auth-failure-limit must be 1 to 1000000.")
        }
        guard (1...24 * 60).contains(clockTolerance) else {
            throw ArgumentParser.ValidationError("--clock-tolerance must be 1 to 1440 minutes.")
        }
        guard (1...100).contains(publicThreshold) else {
            throw ArgumentParser.ValidationError("--public-threshold must be 1 to 100.")
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

    /// `serve --check`: reads what the settings name (venues, audit key, database URL) as a start would, and lists
    /// the settings with where each came from, without opening the store or listening.
    func checkSettings(sources: [String: String], commandLine: [String]) throws {
        _ = try venues.map { try VenueFile.load(path: $0) }
        _ = try Self.databaseURL(option: database, data: data)
        if let auditKey {
            do { _ = try AuditSigningKey.load(from: URL(fileURLWithPath: auditKey)) } catch let error as AuditKeyError {
                throw CLIError(error.message)
            }
        }
        print("The settings are good:")
        print(ServeSettings.summary(of: self, sources: sources, commandLine: commandLine))
    }

    func run() async throws {
        production.bootstrapLogging()
        try production.checkPlainHTTP(host: host, isLoopback: CentralConfiguration.isLoopback(host))
        let tls = try production.certificate()
        let metrics = production.metricsEndpoint()
        let venueList = try venues.map { try VenueFile.load(path: $0) } ?? []
        let retention: RetentionPolicy
        do {
            retention = try retentionConfig.map(RetentionConfigurationFile.load(path:)) ?? .defaults
        } catch let error as RetentionConfigurationError {
            throw CLIError("--retention-config: \(error)")
        }
        var logger = Logger(label: "empower.central")
        logger.logLevel = try production.level()
        if let url = try Self.databaseURL(option: database, data: data) {
            guard diskReserveMb == nil else {
                throw CLIError("--disk-reserve-mb is for the SQLite store (--data); PostgreSQL keeps no reserve file.")
            }
            var databaseLogger = Logger(label: "empower.postgres")
            databaseLogger.logLevel = max(.warning, logger.logLevel)
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
                        tls: tls,
                        metrics: metrics,
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
        // Held while serving, so that a second server or `admin restore` on this directory is refused.
        guard let lock = try ServerLock.take(in: directory) else {
            throw CLIError("A server is already running on the data directory \(directory.path).")
        }
        defer { withExtendedLifetime(lock) {} }
        try await serve(
            store: store,
            venues: venueList,
            storage: "data: \(directory.path)",
            auditKey: try loadAuditKey(dataDirectory: directory.path, logger: logger),
            tls: tls,
            metrics: metrics,
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
        tls: ServerCertificate?,
        metrics: MetricsEndpoint?,
        retention: RetentionPolicy,
        logger: Logger
    ) async throws {
        do {
            for venue in venues { try await store.saveVenue(venue, by: .console(), now: Date()) }
        } catch let error as StoreUnavailable {
            logger.warning("The venues of --venues were not saved (\(error)); serving the venues stored before.")
        }
        var configuration = CentralConfiguration(
            host: host,
            port: port,
            rateLimiter: RateLimiter(perSecond: rateLimit, burst: rateLimit * 2),
            auditKey: auditKey
        )
        configuration.tls = tls
        configuration.metrics = metrics
        configuration.publicThreshold = publicThreshold
        configuration.retention = retention
        configuration.failureLimits = FailureLimits(burst: authFailureLimit)
        let scheme = tls == nil ? "http" : "https"
        let (host, isLoopback) = (configuration.host, configuration.isLoopback)
        try await CentralServer.serve(configuration: configuration, store: store, logger: logger) { port in
            // Written unbuffered: tools that start the server read this line to learn the port.
            var lines = "Empower central server on \(scheme)://\(host):\(port) (\(storage))\n"
            if isLoopback {
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
