import Testing
@testable import PoolKit

@Suite("StatementCancellation")
struct StatementCancellationTests {
    @Test("a statement cancelled before it starts is refused")
    func cancelledBeforeStart() {
        let cancellation = StatementCancellation()
        let token = cancellation.makeToken()
        #expect(cancellation.cancel(token) == .notStarted)
        #expect(cancellation.begin(token) == false)
        cancellation.finish(token)
    }

    @Test("a cancel of the running statement is signalled, and end reports it")
    func cancelWhileRunning() {
        let cancellation = StatementCancellation()
        let token = cancellation.makeToken()
        #expect(cancellation.begin(token))
        #expect(cancellation.cancel(token) == .running)
        var signalled = false
        #expect(cancellation.whileRunning(token) { signalled = true })
        #expect(signalled)
        #expect(cancellation.end(token) == true)
        cancellation.finish(token)
    }

    @Test("a signal that comes after its statement ended is dropped, so it cannot hit the next statement")
    func lateSignalDropped() {
        let cancellation = StatementCancellation()
        let first = cancellation.makeToken()
        #expect(cancellation.begin(first))
        #expect(cancellation.cancel(first) == .running)
        cancellation.end(first)
        cancellation.finish(first)

        let second = cancellation.makeToken()
        #expect(cancellation.begin(second))
        var signalled = false
        #expect(cancellation.whileRunning(first) { signalled = true } == false)
        #expect(!signalled)
        #expect(cancellation.end(second) == false)
        cancellation.finish(second)
    }

    @Test("cancelling a finished statement does nothing")
    func cancelAfterFinish() {
        let cancellation = StatementCancellation()
        let token = cancellation.makeToken()
        #expect(cancellation.begin(token))
        #expect(cancellation.end(token) == false)
        cancellation.finish(token)
        #expect(cancellation.cancel(token) == .finished)
        #expect(cancellation.cancelRunning() == nil)
    }

    @Test("cancelRunning targets the statement running now")
    func cancelRunning() {
        let cancellation = StatementCancellation()
        #expect(cancellation.cancelRunning() == nil)
        let token = cancellation.makeToken()
        #expect(cancellation.begin(token))
        #expect(cancellation.cancelRunning() == token)
        #expect(cancellation.end(token) == true)
        cancellation.finish(token)
    }
}
