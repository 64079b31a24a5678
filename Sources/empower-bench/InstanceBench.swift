import Central
import Foundation
import Models

/// Push throughput through one or several `serve --database` instances sharing one PostgreSQL database, with
/// many devices spread over them. The devices are light clients that only send prepared push requests, so
/// that what is measured is the servers and the database, not the simulated devices.
struct InstanceBench {
    let workspace: URL
    let executable: URL

    /// What one and two instances reached: operations stored per second by all devices together (first
    /// request to last answer), and the share of the machine's CPU that was busy meanwhile, run by run.
    struct Comparison {
        var devices: Int
        var operationsPerDevice: Int
        var one: [Double] = []
        var two: [Double] = []
        var busyOne: [Double] = []
        var busyTwo: [Double] = []
    }

    /// Operations stored per second, all devices together, from the first request to the last answer; and the
    /// share of the machine's CPU busy meanwhile.
    func pushRate(
        on kind: BenchStore,
        instances: Int,
        devices: Int,
        operationsPerDevice: Int,
        batch: Int,
        name: String
    ) async throws -> (rate: Double, busy: Double) {
        try await kind.withScratch(in: workspace, named: name) { store in
            let ids = (0..<devices).map { index in (device: "dev-inst-\(index)", user: "PC-\(7000 + index)") }
            let tokens = try await store.withStore { central in
                var tokens: [String] = []
                for id in ids {
                    tokens.append(
                        try await central.provisionDevice(id.device, for: UserAccount(id: id.user, role: .officer))
                    )
                }
                return tokens
            }
            var servers: [BenchServer] = []
            defer { for server in servers { server.stop() } }
            for _ in 0..<instances { servers.append(try BenchServer(executable: executable, store: store)) }
            let clients = zip(ids, tokens).enumerated().map { index, pair in
                LightClient(
                    server: servers[index % instances].url,
                    token: pair.1,
                    deviceId: pair.0.device,
                    userId: pair.0.user
                )
            }
            let requests = try clients.map { try $0.pushBodies(count: operationsPerDevice, batch: batch) }
            let startMachine = BenchCommand.machineTicks()
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (client, bodies) in zip(clients, requests) {
                    tasks.addTask { for body in bodies { try await client.push(body) } }
                }
                try await tasks.waitForAll()
            }
            let seconds = BenchCommand.seconds(ContinuousClock.now - start)
            let endMachine = BenchCommand.machineTicks()
            guard try await store.withStore({ try await $0.operationCount() }) == devices * operationsPerDevice else {
                throw BenchError("Not every pushed operation was stored.")
            }
            let busy = (endMachine.busy - startMachine.busy) / max(1, endMachine.total - startMachine.total)
            return (Double(devices * operationsPerDevice) / seconds, busy)
        }
    }
}

extension BenchCommand {
    /// Push throughput through one instance and through two, alternating runs so drift on a shared machine
    /// falls on both alike.
    func compareInstances(
        on store: BenchStore,
        workspace: URL,
        executable: URL
    ) async throws -> InstanceBench.Comparison {
        let bench = InstanceBench(workspace: workspace, executable: executable)
        var comparison = InstanceBench.Comparison(devices: instanceDevices, operationsPerDevice: 2000)
        for round in 1...rounds {
            for instances in [1, 2] {
                Self.progress(
                    "PostgreSQL: \(instanceDevices) devices pushing through \(instances) instance(s), run \(round)"
                )
                let run = try await bench.pushRate(
                    on: store,
                    instances: instances,
                    devices: instanceDevices,
                    operationsPerDevice: comparison.operationsPerDevice,
                    batch: 250,
                    name: "instances\(instances)run\(round)"
                )
                if instances == 1 {
                    comparison.one.append(run.rate)
                    comparison.busyOne.append(run.busy)
                } else {
                    comparison.two.append(run.rate)
                    comparison.busyTwo.append(run.busy)
                }
            }
        }
        return comparison
    }
}
