import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP answer as the tests read it.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal HTTP/1.1 client over a real loopback socket, with a receive deadline, so a stuck
/// server fails a test instead of hanging it. Each call runs on its own thread: blocking socket
/// reads must never occupy the (small) cooperative pool the server itself runs on.
enum HTTP {
    static func request(
        _ method: String, port: Int, path: String, body: String? = nil, headers: [String: String] = [:],
        timeout: Int = 60
    ) async throws -> HTTPAnswer {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPAnswer, any Error>) in
            Thread.detachNewThread {
                do {
                    c.resume(
                        returning: try blocking(
                            method, port: port, path: path, body: body, headers: headers, timeout: timeout))
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    static func get(_ path: String, port: Int, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await request("GET", port: port, path: path, headers: headers)
    }

    static func post(_ path: String, port: Int, body: String, headers: [String: String] = [:]) async throws
        -> HTTPAnswer
    {
        try await request(
            "POST", port: port, path: path, body: body,
            headers: ["Content-Type": "application/json"].merging(headers) { $1 })
    }

    static func blocking(
        _ method: String, port: Int, path: String, body: String?, headers: [String: String], timeout: Int
    ) throws -> HTTPAnswer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            throw HTTPClientError(description: "connect to port \(port): \(String(cString: strerror(errno)))")
        }
        let payload = Array((body ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if body != nil || method == "POST" { head += "Content-Length: \(payload.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may answer (413) and close before taking the whole body.
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
                continue
            }
            if n == 0 { break }
            if errno == EINTR { continue }
            if errno == ECONNRESET, !received.isEmpty { break }
            // Reset before a byte of an answer: the server never took the request (a connection
            // still in the listen backlog when the server shut down is reset by the kernel).
            if errno == ECONNRESET { throw HTTPClientError(description: "reset before any answer: \(method) \(path)") }
            throw HTTPClientError(
                description:
                    "\(method) \(path): no complete answer within \(timeout) s (\(String(cString: strerror(errno))))")
        }
        return try parse(received)
    }

    static func parse(_ bytes: [UInt8]) throws -> HTTPAnswer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(bytes.count - 3, 0)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw HTTPClientError(description: "no HTTP head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPClientError(description: "bad status line \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            var i = 0
            while i < body.count {
                guard let lineEnd = (i..<body.count - 1).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                    let size = Int(String(decoding: body[i..<lineEnd], as: UTF8.self), radix: 16)
                else { break }
                if size == 0 { break }
                decoded += body[(lineEnd + 2)..<min(lineEnd + 2 + size, body.count)]
                i = lineEnd + 2 + size + 2
            }
            body = decoded
        }
        return HTTPAnswer(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }
}

/// A raw loopback connection for tests that misbehave on purpose (slow or idle clients). Blocking
/// calls: use it from `offPool`.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw HTTPClientError(description: "connect to port \(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends the text; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return n == bytes.count
    }

    /// Reads until the server closes the connection or `timeout` passes. Returns what arrived and
    /// whether the connection was closed.
    func readUntilClosed(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
                continue
            }
            if n == 0 { return (received, true) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            return (received, true)
        }
        return (received, false)
    }
}
