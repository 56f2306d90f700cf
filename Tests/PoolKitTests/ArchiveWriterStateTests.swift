import Testing
@testable import PoolKit

@Suite("Archive writer state")
struct ArchiveWriterStateTests {
    @Test("a producer that asks for queue space after the writer already wrote its frame and later ones is let through")
    func lateWaitAfterWriterRanAhead() throws {
        var state = ArchiveWriterState(queueDepth: 2, tableIDs: [1], blobIDs: [])
        #expect(state.openChunk(objectID: 1, chunkID: 0, isBlob: false) == nil)
        let encoder = try ArchiveFrameEncoder(compression: .none)
        var sequences: [UInt64] = []
        for index in 0..<5 {
            let frame = try [UInt8](repeating: UInt8(index), count: 16).withUnsafeBytes {
                try encoder.encode(.tableData, objectID: 1, chunkID: 0, chunkSequence: UInt32(index), payload: $0)
            }
            guard case .accept(let sequence, _) = state.append(frame) else {
                Issue.record("frame \(index) rejected")
                return
            }
            sequences.append(sequence)
        }
        #expect(!state.hasSpace(for: sequences[4]), "five unwritten frames do not fit a queue of two")
        // The writer thread writes the header, the manifest and all five frames before the producer
        // of the second frame gets round to waiting: it must be let through, not trap on overflow.
        for _ in 0..<7 { _ = state.frameCompleted() }
        #expect(state.hasSpace(for: sequences[1]))
        #expect(state.hasSpace(for: sequences[4]))
    }
}
