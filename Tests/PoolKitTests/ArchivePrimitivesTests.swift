import Foundation
import Testing

@testable import PoolKit

@Suite("Archive primitives")
struct ArchivePrimitivesTests {
    /// Bit-at-a-time CRC-32C, the reference the table-driven one must match.
    private func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test("CRC-32C has the standard check value")
    func crcCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 B.4: 32 bytes of zeros.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test("CRC-32C slicing-by-8 matches the bitwise reference at every length and alignment")
    func crcMatchesReference() {
        let data = testBytes(300, seed: 7, compressible: false)
        for start in 0..<9 {
            for length in stride(from: 0, through: data.count - start, by: 7) {
                let slice = Array(data[start..<(start + length)])
                let crc = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
                #expect(crc == referenceCRC(slice))
            }
        }
        var incremental = CRC32C()
        incremental.update(Array(data[..<123]))
        incremental.update(Array(data[123...]))
        #expect(incremental.value == CRC32C.checksum(data))
    }

    @Test("CRC-32C by the table method matches the bitwise reference too, whatever the CPU has")
    func crcTablesMatchReference() {
        let data = testBytes(300, seed: 11, compressible: false)
        for start in 0..<9 {
            for length in stride(from: 0, through: data.count - start, by: 5) {
                var crc = CRC32C()
                data.withUnsafeBytes { crc.updateWithTables(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
                #expect(crc.value == referenceCRC(Array(data[start..<(start + length)])))
            }
        }
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors, incrementally too")
    func sha256Vectors() {
        #expect(SHA256Hasher.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hasher = SHA256Hasher()
        hasher.update(Array("abcdbcdecdefdefgefghfghighijhijk".utf8))
        hasher.update(Array("ijkljklmklmnlmnomnopnopq".utf8))
        let digest = hasher.finalize()
        #expect(digest.hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest(hex: digest.hex.uppercased()) == digest)
        #expect(SHA256Digest(hex: "xyz") == nil)
    }

    @Test("zstd round-trips and rejects a frame whose size disagrees with the header")
    func zstd() throws {
        let input = testBytes(100_000, seed: 1, compressible: true)
        let compressor = ZstdCompressor(level: 1)
        var output = [UInt8](repeating: 0, count: ZstdCompressor.bound(input.count))
        let length = try input.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { try compressor.compress(source, into: $0) }
        }
        #expect(length < input.count / 3)
        let decompressor = ZstdDecompressor()
        var back = [UInt8](repeating: 0, count: input.count)
        let failure = output.withUnsafeBytes { compressed in
            back.withUnsafeMutableBytes { decompressor.decompress(UnsafeRawBufferPointer(rebasing: compressed[0..<length]), into: $0) }
        }
        #expect(failure == nil)
        #expect(back == input)
        for size in [input.count - 1, input.count + 1] {
            var wrong = [UInt8](repeating: 0, count: size)
            let failure = output.withUnsafeBytes { compressed in
                wrong.withUnsafeMutableBytes { decompressor.decompress(UnsafeRawBufferPointer(rebasing: compressed[0..<length]), into: $0) }
            }
            #expect(failure != nil)
        }
    }

    @Test("compression settings parse and reject bad levels")
    func compressionParsing() throws {
        #expect(try ArchiveCompression(parsing: "none") == .none)
        #expect(try ArchiveCompression(parsing: "zstd") == .zstd(level: 1))
        #expect(try ArchiveCompression(parsing: "ZSTD:9") == .zstd(level: 9))
        #expect(throws: PoolKitError.self) { try ArchiveCompression(parsing: "zstd:99") }
        #expect(throws: PoolKitError.self) { try ArchiveCompression(parsing: "gzip") }
        #expect(throws: PoolKitError.self) { try ArchiveWriter.Configuration(frameSize: 100).validate() }
        #expect(throws: PoolKitError.self) { try ArchiveWriter.Configuration(queueDepth: 0).validate() }
    }

    @Test("manifest JSON round-trips and leaves absent optionals out")
    func manifestJSON() throws {
        let manifest = testManifest(tables: 2, chunksPerTable: 3, blobs: 1, blobChunks: 1)
        let json = try manifest.encodedJSON()
        #expect(try ArchiveManifest.decodeJSON(json) == manifest)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"section\":\"pre-data\""))
        #expect(text.contains("\"encoding\":\"postgres-copy-text\""))
        #expect(!text.contains(":null"))
    }

    @Test("manifest rules: ids start at 1, are unique, dependencies exist")
    func manifestRules() {
        var manifest = testManifest(tables: 2)
        #expect(manifest.problem() == nil)
        manifest.tables[1].id = 1
        #expect(manifest.problem() != nil)
        manifest = testManifest(tables: 1)
        manifest.objects[0].dependencies = [42]
        #expect(manifest.problem() != nil)
        manifest = testManifest(tables: 1, blobs: 1)
        manifest.blobs[0].id = 1
        #expect(manifest.problem() != nil)
    }
}
