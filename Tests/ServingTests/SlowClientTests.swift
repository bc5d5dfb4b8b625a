import Foundation
import Serving
import Testing
import TestSupport

/// Slow-client protection: a client trickling its headers or body, or holding connections open,
/// cannot hold the server's resources for long.
@Suite("Serving: slow and idle clients", .serialized)
struct SlowClientTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    /// Headers that never finish: the connection is closed after the idle timeout.
    @Test func trickledHeadersAreCutOffAtTheIdleTimeout() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.idleTimeout = .seconds(1) }
        let port = server.port
        let (result, elapsed) = try await offPool { () -> ((bytes: [UInt8], closed: Bool), Duration) in
            let connection = try RawConnection(port: port)
            let started = ContinuousClock.now
            connection.send("POST /v1/predict HTTP/1.1\r\nHost: x\r\n")
            let result = connection.readUntilClosed(timeout: .seconds(90))
            return (result, ContinuousClock.now - started)
        }
        #expect(result.closed)
        // The idle timeout set here is 1 s, the default 30 s. Every test server shares NIO's
        // event loops with the other suites' servers, and the whole test run beside a build on a
        // loaded 2-core machine has delayed this one's timer by up to 27 s; so the bound only
        // shows that the configured timeout, not the default, cut the client off, and a server
        // that never does still fails (this side waits 90 s).
        #expect(elapsed < .seconds(30), "closed after \(elapsed)")
        // The server still answers others.
        #expect(try await HTTP.get("/healthz", port: port).status == 200)
        await server.shutdown()
    }

    /// A body that arrives a byte at a time: 408 after the read timeout, then the connection closes.
    @Test func trickledBodyGets408AndTheConnectionCloses() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.readTimeout = .seconds(1) }
        let port = server.port
        let (result, elapsed) = try await offPool { () -> ((bytes: [UInt8], closed: Bool), Duration) in
            let connection = try RawConnection(port: port)
            let started = ContinuousClock.now
            connection.send(
                "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(sampleRow.utf8.count)\r\n\r\n"
            )
            // One byte every 200 ms keeps the connection busy, never idle.
            var received: [UInt8] = []
            var closed = false
            for byte in sampleRow.utf8 {
                guard connection.send(String(decoding: [byte], as: UTF8.self)) else {
                    closed = true
                    break
                }
                let part = connection.readUntilClosed(timeout: .milliseconds(200))
                received += part.bytes
                if part.closed {
                    closed = true
                    break
                }
                if ContinuousClock.now - started > .seconds(8) { break }
            }
            return ((received, closed), ContinuousClock.now - started)
        }
        let answer = try HTTP.parse(result.bytes)
        #expect(answer.status == 408)
        #expect((answer.json["error"] as? String)?.hasPrefix("the body did not arrive within") == true)
        #expect(result.closed)
        #expect(elapsed < .seconds(5), "closed after \(elapsed)")
        #expect(try await HTTP.post("/v1/predict", port: port, body: sampleRow).status == 200)
        await server.shutdown()
    }

    /// Over the connection limit, with every connection in the middle of a request, a new
    /// connection waits until one closes, then is served.
    @Test func connectionsOverTheLimitWaitTheirTurn() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.maximumConnections = 2 }
        let port = server.port
        let outcome = try await offPool { () -> (waitedWhileFull: Bool, servedAfter: Int) in
            let holders = [try RawConnection(port: port), try RawConnection(port: port)]
            // Each holder is in the middle of a request: its headers half sent.
            for h in holders { h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n") }
            for h in holders { _ = h.readUntilClosed(timeout: .milliseconds(300)) }
            let third = try RawConnection(port: port)
            third.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let whileFull = third.readUntilClosed(timeout: .milliseconds(800))
            shutdown(holders[0].fd, Int32(SHUT_RDWR))
            let after = third.readUntilClosed(timeout: .seconds(10))
            let status = (try? HTTP.parse(whileFull.bytes + after.bytes))?.status ?? 0
            return (whileFull.bytes.isEmpty, status)
        }
        #expect(outcome.waitedWhileFull)
        #expect(outcome.servedAfter == 200)
        await server.shutdown()
    }

    /// At the limit, a new client takes the place of the longest-idle keep-alive connection
    /// (issue 19: idle keep-alive clients locked everyone else out), never of a busy one.
    @Test func aNewcomerAtTheLimitReplacesTheLongestIdleConnection() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.maximumConnections = 3 }
        let port = server.port
        let outcome = try await offPool { () -> (served: Int, waitedMs: Double, closed: [Bool], stillServed: Int) in
            let idle = [try RawConnection(port: port), try RawConnection(port: port)]
            // Two answered keep-alive connections, the first idle the longest.
            for h in idle {
                h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                // Until the whole answer is read (5 s at most), not a fixed 200 ms: under load an
                // answer can take longer, and a connection still waiting for it is not idle.
                var answer: [UInt8] = []
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline && (try? HTTP.parse(answer)) == nil {
                    answer += h.readUntilClosed(timeout: .milliseconds(100)).bytes
                }
            }
            // One in the middle of a request.
            let busy = try RawConnection(port: port)
            busy.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            usleep(200_000)
            let start = ContinuousClock.now
            let newcomer = try RawConnection(port: port)
            newcomer.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = newcomer.readUntilClosed(timeout: .seconds(10))
            let waited = milliseconds(since: start)
            let closed = idle.map { $0.readUntilClosed(timeout: .seconds(2)).closed }
            busy.send("\r\n")
            let busyAnswer = busy.readUntilClosed(timeout: .seconds(3))
            return (
                (try? HTTP.parse(answer.bytes))?.status ?? 0, waited, closed,
                (try? HTTP.parse(busyAnswer.bytes))?.status ?? 0
            )
        }
        #expect(outcome.served == 200)
        // Served at once, not after the 30 s idle timeout (loose bound).
        #expect(outcome.waitedMs < 5_000)
        #expect(outcome.closed == [true, false])
        #expect(outcome.stillServed == 200)
        await server.shutdown()
    }

    /// The connection layer itself: bytes that are not HTTP get the API's JSON 400 and a closed
    /// connection; pipelined requests are answered in order; a client that asks before sending its
    /// body (`Expect: 100-continue`, as curl does over 1 KiB) is told to go on at once.
    @Test func malformedPipelinedAndExpectContinue() async throws {
        let server = try await startServer(try Self.bundle.get())
        let port = server.port
        let (garbage, pipelined, continued) = try await offPool {
            () -> ((bytes: [UInt8], closed: Bool), [UInt8], [UInt8]) in
            let bad = try RawConnection(port: port)
            bad.send("GARBAGE\r\n\r\n")
            let garbage = bad.readUntilClosed(timeout: .seconds(5))
            let two = try RawConnection(port: port)
            two.send(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let pipelined = two.readUntilClosed(timeout: .seconds(5)).bytes
            let asking = try RawConnection(port: port)
            asking.send(
                "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(sampleRow.utf8.count)\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
            )
            let goOn = asking.readUntilClosed(timeout: .milliseconds(500)).bytes
            asking.send(sampleRow)
            return (garbage, pipelined, goOn + asking.readUntilClosed(timeout: .seconds(5)).bytes)
        }
        let answer = try HTTP.parse(garbage.bytes)
        #expect(answer.status == 400)
        #expect((answer.json["error"] as? String) == "the request is not valid HTTP/1.1")
        #expect(garbage.closed)
        let text = String(decoding: pipelined, as: UTF8.self)
        let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["200", "404"], "\(text)")
        let continuedText = String(decoding: continued, as: UTF8.self)
        #expect(continuedText.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), "\(continuedText)")
        await server.shutdown()
    }

    /// A client that pipelines requests but does not read the answers: the server stops taking its
    /// requests once the answers back up (they cannot pile up in memory), and answers every one
    /// once the client reads.
    @Test func answersBackUpAndReadingStopsUntilTheClientReads() async throws {
        let server = try await startServer(try Self.bundle.get())
        let port = server.port
        let count = 2_000  // about 90 KB of requests, about 10 MB of answers (5 KB each)
        func answered() -> Int {
            let metrics = server.service.handle(method: "GET", path: "/metrics", authorization: nil, body: nil).body
            let line = metrics.split(separator: "\n").first {
                $0.hasPrefix(#"workbench_http_requests_total{route="/v1/openapi.yaml",status="200"}"#)
            }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        let connection = try RawConnection(port: port)
        let request = "GET /v1/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n"
        let sent = try await offPool { connection.send(String(repeating: request, count: count)) }
        #expect(sent)
        try await Task.sleep(for: .seconds(1))
        let whileBlocked = answered()
        #expect(whileBlocked < count, "the server answered all \(count) requests of a client that reads nothing")
        let received = try await offPool { connection.readUntilClosed(timeout: .seconds(5)).bytes }
        let statuses = String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 OK").count - 1
        #expect(statuses == count)
        #expect(answered() == count)
        await server.shutdown()
    }
}
