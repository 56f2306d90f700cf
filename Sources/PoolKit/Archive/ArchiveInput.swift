/// The buffered, sequential input of an ``ArchiveReader``: one fixed-size buffer over an
/// ``ArchiveSource``, with the count of bytes consumed so far.
final class ArchiveInput {
    private let source: any ArchiveSource
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Bytes consumed so far: the stream offset of ``available``'s first byte.
    private(set) var offset: UInt64 = 0

    init(source: any ArchiveSource, bufferSize: Int) {
        self.source = source
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 64 << 10), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The buffered bytes not yet consumed (valid until the next call that reads or consumes).
    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[start..<end]) }

    /// Makes at least `count` (at most the buffer size) bytes ``available``; false if the stream
    /// ends first (what there is stays available).
    func fill(_ count: Int) throws -> Bool {
        if end - start >= count { return true }
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: remaining)
            }
            start = 0
            end = remaining
        }
        while end - start < count {
            let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if read == 0 { return false }
            end += read
        }
        return true
    }

    /// Drops `count` available bytes.
    func consume(_ count: Int) {
        precondition(count <= end - start, "consuming more than is buffered")
        start += count
        offset += UInt64(count)
    }

    /// Fills all of `target` from the buffer and then the source (large remainders are read
    /// straight into `target`). Returns how many bytes it got: fewer only at the end of the stream.
    func read(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < target.count {
            let wanted = target.count - filled
            if end == start {
                if wanted >= buffer.count / 2 {
                    let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: target[filled...]))
                    if read == 0 { return filled }
                    filled += read
                    offset += UInt64(read)
                    continue
                }
                if try !fill(wanted) && end == start { return filled }
            }
            let take = min(end - start, wanted)
            UnsafeMutableRawBufferPointer(rebasing: target[filled..<(filled + take)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + take)]))
            consume(take)
            filled += take
        }
        return filled
    }

    /// Consumes everything up to the end of the stream and returns how many bytes that was.
    func drain() throws -> UInt64 {
        var count: UInt64 = 0
        while try fill(1) {
            count += UInt64(end - start)
            consume(end - start)
        }
        return count
    }
}
