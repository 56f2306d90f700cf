import Foundation
import PackagePlugin

/// `swift package new-driver --name Foo` scaffolds `Sources/PoolKitFoo` (a driver and a connection
/// that conform to PoolKit's protocols) and `Tests/PoolKitFooTests` (the conformance kit wired to
/// `POOLKIT_TEST_FOO_URL`), and adds both targets and a product to Package.swift. The generated
/// code compiles; its methods throw `.unsupported` until the driver is written, so the conformance
/// tests run and fail, each naming what is missing.
@main
struct NewDriverPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        guard let name = extractor.extractOption(named: "name").first else {
            throw PluginFailure("usage: swift package new-driver --name Foo [--scheme foo]")
        }
        guard let first = name.unicodeScalars.first, CharacterSet.uppercaseLetters.contains(first),
            name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        else {
            throw PluginFailure("--name must be an ASCII identifier starting with a capital letter, e.g. Foo or CockroachDB")
        }
        let scheme = extractor.extractOption(named: "scheme").first ?? name.lowercased()
        let root = URL(fileURLWithPath: context.package.directoryURL.path)
        let target = "PoolKit\(name)"
        let sources = root.appendingPathComponent("Sources/\(target)")
        let tests = root.appendingPathComponent("Tests/\(target)Tests")
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: sources.path) else {
            throw PluginFailure("Sources/\(target) already exists: pick another name or remove it first")
        }
        try fileManager.createDirectory(at: sources, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: tests, withIntermediateDirectories: true)
        let templates = DriverTemplates(name: name, scheme: scheme)
        try templates.driver.write(to: sources.appendingPathComponent("\(name)Driver.swift"), atomically: true, encoding: .utf8)
        try templates.connection.write(to: sources.appendingPathComponent("\(name)Connection.swift"), atomically: true, encoding: .utf8)
        try templates.strategies.write(to: sources.appendingPathComponent("\(name)Strategies.swift"), atomically: true, encoding: .utf8)
        try templates.conformanceTests.write(to: tests.appendingPathComponent("\(name)ConformanceTests.swift"), atomically: true, encoding: .utf8)

        let manifest = root.appendingPathComponent("Package.swift")
        let handle = try FileHandle(forWritingTo: manifest)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(templates.manifestAddition.utf8))
        try handle.close()
        print("Created Sources/\(target) and Tests/\(target)Tests, and added them to Package.swift.")
        print("Next: implement \(name)Connection, then run POOLKIT_TEST_\(name.uppercased())_URL='\(scheme)://…' swift test --filter \(target)Tests")
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
