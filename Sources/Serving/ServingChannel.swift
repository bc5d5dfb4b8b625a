import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// One connection of `workbench serve`, set up by Hummingbird's server (bind, connection limit,
/// graceful shutdown): NIO's HTTP/1.1 request decoder, then `ServingHandler`, which answers each
/// request on the connection's event loop and writes the response bytes itself.
///
/// Why not Hummingbird's HTTP1Channel and router: they run each request through an async body
/// stream and a task, and on two cores that machinery, not the model, was most of the time a
/// prediction took. Every request here is answered by synchronous calls into `ModelService`,
/// whose work is all in memory, and its answer goes out in one write.
struct ServingChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let service: ModelService
    /// A connection that completes no request part for this long is closed (trickled headers,
    /// idle keep-alive).
    let idleTimeout: Duration
    /// A request body that has not fully arrived this long after its head gets 408.
    let readTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(ServingHandler(service: service, idleTimeout: idleTimeout, readTimeout: readTimeout))
            return Value(channel: channel)
        }
    }

    /// The handler does the work; this only keeps the connection's place in the server's task
    /// group until it closes (graceful shutdown reaches the handler as NIO's quiesce event).
    func handle(value: Value, logger: Logger) async {
        try? await value.channel.closeFuture.get()
    }
}

/// Answers the requests of one connection, one at a time and in order: collects a body the
/// service wants (within the size limit and the read timeout), calls `ModelService.handle` and
/// writes its answer.
final class ServingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var head: HTTPRequestHead
        var authorization: String?
        var start: ContinuousClock.Instant
        /// nil when the service does not want the body (it is then dropped as it arrives).
        var body: ByteBuffer?
    }

    private let service: ModelService
    private let idleTimeout: Duration
    private let readTimeout: Duration
    /// The request being read, between its head and its end.
    private var pending: Pending?
    /// When the last request part arrived (the idle clock).
    private var lastActivity = ContinuousClock.now
    /// One timer per connection checks both timeouts: a timer per request cost more than the
    /// rest of the request's bookkeeping.
    private var clock: RepeatedTask?
    /// Whether an answer was written on this connection, so a close waits for the writes (each
    /// answer goes out without a promise: making one per answer cost more than it is used).
    private var wrote = false
    /// Graceful shutdown asked this connection to close after the request in flight.
    private var quiescing = false
    /// The connection is closing: what still arrives is ignored.
    private var closing = false

    init(service: ModelService, idleTimeout: Duration, readTimeout: Duration) {
        self.service = service
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Often enough that each timeout fires within a quarter of itself (at most 1 s late).
        let interval = TimeAmount(min(.seconds(1), min(idleTimeout, readTimeout) / 4))
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        clock = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            handler.value.checkTimeouts(context: boundContext.value)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clock?.cancel()
        clock = nil
    }

    private func checkTimeouts(context: ChannelHandlerContext) {
        guard !closing else { return }
        let now = ContinuousClock.now
        if let late = pending, now - late.start >= readTimeout {
            // A body still arriving after the read timeout: 408 if the service wanted it; if not
            // (a 401, 404 or 405 whose body trickles in), the answer it would have got anyway.
            answerEarly(context: context, head: late.head, authorization: late.authorization, body: late.body == nil ? nil : .timedOut(readTimeout), start: late.start)
        } else if now - lastActivity >= idleTimeout {
            // Nothing complete arrived for the idle timeout (a trickled header never completes a
            // part): nothing is worth waiting for.
            closing = true
            pending = nil
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        lastActivity = .now
        let part = unwrapInboundIn(data)
        // While answers wait to be sent (a client that sends but does not read), requests already
        // read wait here instead of adding answers; reading stops until the answers drain.
        guard waiting.isEmpty && context.channel.isWritable else {
            waiting.append(part)
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            return
        }
        process(part, context: context)
    }

    /// Requests read while the client was not taking its answers, in order.
    private var waiting: [HTTPServerRequestPart] = []
    /// The client closed its side; close ours once what it sent is answered.
    private var inputClosed = false

    private func closeAfterLastWrite(_ channel: any Channel) {
        afterLastWrite(channel) { channel.close(promise: nil) }
    }

    /// Runs `body` once the last answer is written (at once if there was none): an empty write
    /// queued behind the answers completes after them, as writes complete in order.
    private func afterLastWrite(_ channel: any Channel, _ body: @escaping @Sendable () -> Void) {
        if wrote {
            channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in body() }
        } else {
            body()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        while context.channel.isWritable, !waiting.isEmpty, !closing {
            process(waiting.removeFirst(), context: context)
        }
        if context.channel.isWritable && waiting.isEmpty {
            if inputClosed {
                closeAfterLastWrite(context.channel)
            } else {
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            let start = lastActivity
            let authorization = head.headers.first(name: "authorization")
            guard service.wantsBody(method: head.method.rawValue, path: head.uri, authorization: authorization) else {
                pending = Pending(head: head, authorization: authorization, start: start, body: nil)
                return
            }
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > service.maximumBodyBytes {
                answerEarly(context: context, head: head, authorization: authorization, body: .tooLarge, start: start)
                return
            }
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl asks before sending a body over 1 KiB; without this it waits a second.
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            pending = Pending(head: head, authorization: authorization, start: start, body: context.channel.allocator.buffer(capacity: 0))
        case .body(var part):
            guard let request = pending, let received = request.body?.readableBytes else { return }
            if received + part.readableBytes > service.maximumBodyBytes {
                answerEarly(context: context, head: request.head, authorization: request.authorization, body: .tooLarge, start: request.start)
                return
            }
            // Grown in place (not copied on write). A body in one part, the usual case, is kept as
            // the decoder's slice of what was read, without a copy.
            if received == 0 {
                pending?.body = part
            } else {
                pending?.body?.writeBuffer(&part)
            }
        case .end:
            guard let request = pending else { return }
            pending = nil
            let body = request.body.map { buffer in IncomingBody.bytes(buffer.withUnsafeReadableBytes { Data($0) }) }
            let answer = service.handle(method: request.head.method.rawValue, path: request.head.uri,
                                        authorization: request.authorization, body: body, start: request.start)
            write(answer, for: request.head, context: context, close: !request.head.isKeepAlive || quiescing)
        }
    }

    /// Answers before the request ended (body too large, or too slow), then closes: the rest of
    /// the body is not worth reading.
    private func answerEarly(context: ChannelHandlerContext, head: HTTPRequestHead, authorization: String?, body: IncomingBody?, start: ContinuousClock.Instant) {
        pending = nil
        let answer = service.handle(method: head.method.rawValue, path: head.uri, authorization: authorization, body: body, start: start)
        write(answer, for: head, context: context, close: true)
    }

    /// Writes the whole response (status line, headers, body) as one buffer.
    private func write(_ answer: APIResponse, for head: HTTPRequestHead?, context: ChannelHandlerContext, close: Bool) {
        let close = close || answer.headers.contains { $0.0 == "Connection" && $0.1 == "close" }
        let http10 = head.map { $0.version.major == 1 && $0.version.minor == 0 } ?? false
        let bodyBytes = answer.body.utf8.count
        var out = context.channel.allocator.buffer(capacity: 160 + bodyBytes)
        if !http10 && answer.status == 200 && answer.contentType == "application/json" {
            // Most answers: the status line and type, written once.
            out.writeStaticString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ")
        } else {
            out.writeString(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
            out.writeString(String(answer.status))
            out.writeString(" ")
            out.writeString(HTTPResponseStatus(statusCode: answer.status).reasonPhrase)
            out.writeString("\r\nContent-Type: ")
            out.writeString(answer.contentType)
            out.writeString("\r\nContent-Length: ")
        }
        out.writeString(String(bodyBytes))
        for (name, value) in answer.headers where name != "Connection" {
            out.writeString("\r\n\(name): \(value)")
        }
        if close {
            out.writeString("\r\nConnection: close")
        } else if http10 {
            out.writeString("\r\nConnection: keep-alive")
        }
        out.writeString("\r\n\r\n")
        // A response to HEAD has the headers of the body it does not carry.
        if head?.method != .HEAD { out.writeString(answer.body) }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        wrote = true
        LoopPacer.answered()
        if close { closeGently(context: context) }
    }

    /// Closes after the last answer is written: first our side only, then, once the client
    /// closes its side or after a grace period, the whole connection. Closing at once while a
    /// client is still sending (a body over the limit, a request racing a shutdown) would make
    /// the kernel reset the connection, and the client might never read the answer.
    private func closeGently(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        pending = nil
        let channel = context.channel
        afterLastWrite(channel) {
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            if pending == nil { closeGently(context: context) }
        case ChannelEvent.inputClosed:
            // The client will send nothing more: once the requests it sent are answered and the
            // answers are out, close.
            inputClosed = true
            if !waiting.isEmpty { return }
            if pending != nil && !closing {
                closing = true
                pending = nil
                context.channel.close(promise: nil)
            } else {
                closeAfterLastWrite(context.channel)
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending = nil
        clock?.cancel()
        clock = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        if error is HTTPParserError {
            // Not HTTP the decoder can follow: say so in the API's error shape, then close.
            let answer = APIError(400, "the request is not valid HTTP/1.1", details: [String(describing: error)]).response
            write(answer, for: pending?.head, context: context, close: true)
        } else {
            closing = true
            context.close(promise: nil)
        }
    }
}
