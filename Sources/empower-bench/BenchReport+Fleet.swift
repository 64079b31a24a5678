import Foundation

extension BenchReport {
    /// The rows of the fleet measure: for each composition, the request latencies, the throughput and where the
    /// CPU went.
    func fleetRows() -> [Row] {
        var rows: [Row] = []
        for (index, sample) in (fleet.values.first ?? []).enumerated() {
            func figures(_ store: String) -> FleetBench.Figures? {
                fleet[store].flatMap { index < $0.count ? $0[index] : nil }
            }
            rows.append(
                (
                    "\(sample.devices) devices syncing at once — \(sample.composition); at most "
                        + "\(sample.concurrency) syncing at any moment, \(sample.rounds) rounds of "
                        + "\(sample.operations / sample.devices / sample.rounds) new sightings each — "
                        + "p50 / p99 per HTTP request",
                    { store in
                        figures(store).map {
                            "\(Self.milliseconds(Self.percentile($0.all, 0.5))) / "
                                + "\(Self.milliseconds(Self.percentile($0.all, 0.99))) "
                                + "(\(Self.count($0.all.count)) requests)"
                        }
                    }
                )
            )
            rows.append(
                (
                    "… p99 by kind: push / pull / venues",
                    { store in
                        figures(store).map { figures in
                            ["push", "pull", "venues"].map {
                                Self.milliseconds(Self.percentile(figures.requests[$0] ?? [], 0.99))
                            }.joined(separator: " / ")
                        }
                    }
                )
            )
            rows.append(
                (
                    "… audit sealing lag, from an entry's writing to the signed head that sealed it: p50 / p99",
                    { store in
                        figures(store).map {
                            "\(Self.milliseconds(Self.percentile($0.sealingLag, 0.5))) / "
                                + "\(Self.milliseconds(Self.percentile($0.sealingLag, 0.99))) "
                                + "(\(Self.count($0.sealingLag.count)) entries)"
                        }
                    }
                )
            )
            rows.append(
                (
                    "… operations pushed per second, all devices (wall time of the syncs); CPU cores used meanwhile "
                        + "by the simulated devices (bench process) / the server process; the machine's CPU busy",
                    { store in
                        figures(store).map {
                            Self.perSecond(Double($0.operations) / $0.seconds)
                                + String(
                                    format: "; %.2f / %.2f cores; %.0f%% busy",
                                    $0.deviceCPU / $0.seconds,
                                    $0.serverCPU / $0.seconds,
                                    $0.machineBusy * 100
                                )
                        }
                    }
                )
            )
        }
        return rows
    }
}

extension FleetBench.Figures {
    /// Who the devices belong to, in words.
    var composition: String {
        let owners =
            switch officers {
            case devices: "all officers' (each pulls every operation)"
            case 0: "all venue staff's, two at each of \(venues) venues (each pulls its venue's records)"
            default: "\(officers) officers' and \(devices - officers) venue staff's at \(venues) venues"
            }
        return light ? owners + ", as light clients (no local database, so the server is what is measured)" : owners
    }
}
