import Foundation
import Models
import Testing

/// `serve`'s settings from a TOML file and the environment as well as the command line: the real executable.
@Suite("Command line: serve's configuration file and environment")
struct ServeSettingsCLITests {
    private let repository = fixturesDirectory.deletingLastPathComponent()

    private func write(_ text: String, to name: String, in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    private func lines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init)
    }

    @Test("the command line wins over the environment, the environment over the file; --check says which gave each")
    func precedence() throws {
        let directory = try makeTemporaryDirectory()
        let config = try write(
            "port = 9001\ndata = \"\(directory.path)/from-file\"\nclock-tolerance = 5\nrate-limit = 7\n",
            to: "serve.toml",
            in: directory
        )
        let checked = try CLIRunner.run(
            ["serve", "--config", config.path, "--check", "--port", "9003"],
            environment: ["EMPOWER_SERVE_PORT": "9002", "EMPOWER_SERVE_RATE_LIMIT": "8"]
        )
        #expect(checked.status == 0, "stderr: \(checked.stderr)")
        let said = lines(checked.stdout)
        #expect(said.contains("port = 9003  (command line)"))
        #expect(said.contains("rate-limit = 8.0  (EMPOWER_SERVE_RATE_LIMIT)"))
        #expect(said.contains("clock-tolerance = 5.0  (\(config.path), line 3)"))
        #expect(said.contains("data = \(directory.path)/from-file  (\(config.path), line 2)"))
        #expect(said.contains("host = 127.0.0.1  (default)"))
        // The file named by the environment, and --data on the command line silencing the file's --database.
        let other = try write(
            "database = \"postgres://empower@db.invalid/empower\"\nport = 9004\n",
            to: "other.toml",
            in: directory
        )
        let silenced = try CLIRunner.run(
            ["serve", "--check", "--data", directory.path],
            environment: ["EMPOWER_SERVE_CONFIG": other.path]
        )
        #expect(silenced.status == 0, "stderr: \(silenced.stderr)")
        #expect(lines(silenced.stdout).contains("port = 9004  (\(other.path), line 2)"))
        #expect(lines(silenced.stdout).contains("database = (not set)  (default)"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("from-file").path))
    }

    @Test("a real start takes its settings from the file: venues loaded, the command line's data directory used")
    func realStart() throws {
        let directory = try makeTemporaryDirectory()
        let serverData = directory.appendingPathComponent("server")
        let config = try write(
            "venues = \"\(fixturesDirectory.path)/venues.json\"\ndata = \"\(directory.path)/ignored\"\n",
            to: "serve.toml",
            in: directory
        )
        let (server, _) = try CLIRunner.startServer(dataDirectory: serverData, arguments: ["--config", config.path])
        defer { server.terminate() }
        let listed = try CLIRunner.run(["admin", "venue", "list", "--data", serverData.path])
        #expect(listed.status == 0, "stderr: \(listed.stderr)")
        for venue in try loadVenues() { #expect(listed.stdout.contains(venue.id)) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ignored").path))
    }

    @Test(
        "bad settings stop serve at start, naming the file and line or the variable, before anything is made",
        arguments: [
            ("port = 8080\nprot = 3\n", [String: String](), "line 2: 'prot' is not a setting of serve"),
            ("port = \n", [:], "line 1:"),
            ("host = \"127.0.0.1\"\nport = \"many\"\n", [:], "(--port came from CONFIG, line 2.)"),
            ("check = true\n", [:], "'check' is not a setting of serve"),
            ("port = 8080\n", ["EMPOWER_SERVE_PORT": "70000"], "(--port came from EMPOWER_SERVE_PORT.)"),
            ("clock-tolerance = [1, 2]\n", [:], "line 1: 'clock-tolerance' must be a string or a number"),
        ]
    )
    func badSettings(text: String, environment: [String: String], expected: String) throws {
        let directory = try makeTemporaryDirectory()
        let config = try write(text, to: "serve.toml", in: directory)
        let data = directory.appendingPathComponent("server")
        // A port on the command line would win over the one under test.
        let port = text.contains("port") || environment["EMPOWER_SERVE_PORT"] != nil ? [] : ["--port", "0"]
        let run = try CLIRunner.run(
            ["serve", "--config", config.path, "--data", data.path] + port,
            environment: environment
        )
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected.replacingOccurrences(of: "CONFIG", with: config.path)), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path), "nothing is made when a setting is bad")
    }

    @Test("every option of serve is a setting, and the example file in deploy/ is good")
    func everyOptionAndTheExample() throws {
        let dump = try CLIRunner.run(["serve", "--experimental-dump-help"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(info["command"] as? [String: Any])
        let arguments = try #require(command["arguments"] as? [[String: Any]])
        let names = arguments.compactMap { ($0["preferredName"] as? [String: Any])?["name"] as? String }
            .filter { !["config", "check", "help"].contains($0) }
        let directory = try makeTemporaryDirectory()
        let checked = try CLIRunner.run([
            "serve", "--config", repository.appendingPathComponent("deploy/serve.toml").path, "--check",
            "--data", directory.path, "--audit-key", directory.appendingPathComponent("none.key").path,
        ])
        // The check reads the key as a start would: one that is not there is refused.
        #expect(checked.status != 0)
        #expect(checked.stderr.contains("none.key"), "\(checked.stderr)")
        let key = directory.appendingPathComponent("audit.key")
        #expect(try CLIRunner.run(["admin", "audit", "keygen", "--out", key.path]).status == 0)
        let good = try CLIRunner.run([
            "serve", "--config", repository.appendingPathComponent("deploy/serve.toml").path, "--check",
            "--data", directory.path, "--audit-key", key.path,
        ])
        #expect(good.status == 0, "stderr: \(good.stderr)")
        for name in names { #expect(good.stdout.contains("\n\(name) = "), "\(name) is missing from --check") }
        #expect(names.count >= 9)
    }

    @Test("shell completions come from the command's own declaration")
    func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try CLIRunner.run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            #expect(script.stdout.contains("serve") && script.stdout.contains("config"), "\(shell)")
        }
    }
}
