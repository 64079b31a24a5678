import Foundation

/// A small seedable generator (SplitMix64): the same seed gives the same case, step for step, on every run, so
/// that a failing random run can be replayed from the seed it printed. The one generator of every test target.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    public mutating func int64(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }

    /// True with the given probability.
    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    public mutating func pick<C: Collection>(_ elements: C) -> C.Element { elements.randomElement(using: &self)! }

    /// A random selection of `count` distinct elements, in random order.
    public mutating func subset<T>(of elements: [T], count: ClosedRange<Int>) -> [T] {
        Array(elements.shuffled(using: &self).prefix(int(count)))
    }

    /// One of the choices, each as likely as its weight.
    public mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        var roll = int(0...(choices.map(\.1).reduce(0, +) - 1))
        for (choice, weight) in choices {
            if roll < weight { return choice }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }

    /// A version-4 UUID drawn from this generator, so record ids repeat with the seed.
    public mutating func uuid() -> UUID {
        var bytes = [UInt8]()
        for word in [next(), next()] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}

extension SeededGenerator {
    /// The seed of one case of a run: the run's base seed mixed with the case number.
    public static func caseSeed(base: UInt64, caseNumber: Int) -> UInt64 {
        var generator = SeededGenerator(seed: base ^ (UInt64(caseNumber) &* 0xD1B5_4A32_D192_ED03))
        return generator.next()
    }
}

/// A seed as it is printed and read back: `0x` and 16 hex digits.
public enum SeedText {
    public static func format(_ seed: UInt64) -> String {
        let digits = String(seed, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Reads `0x…` hex or plain decimal; nil if it is neither.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }

    /// The seed named by the environment variable `name`: `default` when it is unset, so that the same commit
    /// always gives the same result; a fresh random seed when it is `random` (stress runs by hand). Stops the run
    /// with a message when it is neither a seed nor `random`.
    public static func fromEnvironment(_ name: String, default fixed: UInt64) -> UInt64 {
        switch ProcessInfo.processInfo.environment[name] {
        case nil, "": return fixed
        case "random": return UInt64.random(in: 1...UInt64.max)
        case let text?:
            guard let seed = parse(text) else { fatalError("\(name)=\(text): 0x and hex digits, decimal, or random") }
            return seed
        }
    }
}
