/// A benchmark that could not run or whose result is wrong, shown as it is, with exit code 1.
struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
