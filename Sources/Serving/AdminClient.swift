import Foundation
#if canImport(Glibc)
import Glibc
import Diagnostics
#endif

/// A minimal blocking HTTP/1.1 client for the admin commands (`workbench promote`): plain HTTP
/// over a socket, one request per connection, with a deadline. Not URLSession: on Linux that
/// brings libcurl into the binary.
public enum AdminClient {
    public struct Answer: Sendable {
        public var status: Int
        public var body: String
    }

    /// `http://host:port` (a path after it is ignored) → host and port.
    public static func parse(server: String) throws(ServingError) -> (host: String, port: Int) {
        var text = server.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("https://") {
            throw .badOption(
                "\(setting: "server", server): workbench serve speaks plain HTTP; use http:// (put a TLS proxy in front of it for HTTPS)"
            )
        }
        if text.hasPrefix("http://") { text.removeFirst("http://".count) }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        var host = text, port = 80
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let p = Int(rest.dropFirst()) else {
                    throw .badOption("\(setting: "server", server): the port is not a number")
                }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else {
                throw .badOption("\(setting: "server", server): the port is not a number")
            }
            port = p
        }
        guard !host.isEmpty, (1...65_535).contains(port) else {
            throw .badOption("\(setting: "server", server) is not a server address like http://127.0.0.1:8080")
        }
        return (host, port)
    }

    /// Sends one request and reads the whole answer, within `timeout` seconds per read.
    public static func request(
        _ method: String, server: String, path: String, token: String?, body: String = "",
        timeout: Int = 30
    ) throws(ServingError) -> Answer {
        let (host, port) = try parse(server: server)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .noServer("cannot find server \(host): no such host")
        }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var reason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s >= 0 {
                var tv = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                    fd = s
                    break
                }
                reason = String(cString: strerror(errno))
                close(s)
            }
            entry = a.pointee.ai_next
        }
        guard fd >= 0 else {
            throw .noServer(
                Diagnostic(
                    "cannot reach a server at \(host):\(port): \(reason)",
                    remedy: "is `workbench serve` running there? It prints its address when it starts")
            )
        }
        defer { close(fd) }
        let payload = Array(body.utf8)
        var head =
            "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(payload.count)\r\n"
        if !payload.isEmpty { head += "Content-Type: application/json\r\n" }
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
                continue
            }
            if n == 0 { break }
            if errno == EINTR { continue }
            if !received.isEmpty { break }
            throw .noServer("no answer from \(host):\(port): \(String(cString: strerror(errno)))")
        }
        return try parse(answer: received, from: "\(host):\(port)")
    }

    /// Status and body of a whole HTTP/1.1 answer (`Content-Length` or chunked).
    static func parse(answer bytes: [UInt8], from server: String) throws(ServingError) -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw .noServer("\(server) did not answer with HTTP")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw .noServer("\(server) did not answer with HTTP")
        }
        var body = Array(bytes[(end + 4)...])
        let chunked = lines.dropFirst().contains {
            $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked")
        }
        if chunked {
            var out: [UInt8] = []
            var i = 0
            while i < body.count {
                guard let lineEnd = (i..<max(i, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                    let size = Int(
                        String(decoding: body[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16)
                else { break }
                if size == 0 { break }
                let start = lineEnd + 2
                guard start + size <= body.count else { break }
                out += body[start..<start + size]
                i = start + size + 2
            }
            body = out
        }
        return Answer(status: status, body: String(decoding: body, as: UTF8.self))
    }
}
