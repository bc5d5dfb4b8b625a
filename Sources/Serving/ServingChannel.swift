import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

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

    let router: ModelRouter
    /// A connection that completes no request part for this long is closed (trickled headers,
    /// idle keep-alive).
    let idleTimeout: Duration
    /// A request body that has not fully arrived this long after its head gets 408.
    let readTimeout: Duration
    /// Which connections are idle, to make room at the connection limit.
    let registry: ConnectionRegistry
    /// Where large bodies are parsed and scored, away from the event loops.
    let workers: NIOThreadPool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            let handler = ServingHandler(
                router: router, idleTimeout: idleTimeout, readTimeout: readTimeout, registry: registry, workers: workers
            )
            try pipeline.addHandler(ActivityHandler(handler: handler))
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(handler)
            return Value(channel: channel)
        }
    }

    /// The handler does the work; this only keeps the connection's place in the server's task
    /// group until it closes (graceful shutdown reaches the handler as NIO's quiesce event).
    func handle(value: Value, logger: Logger) async {
        try? await value.channel.closeFuture.get()
    }
}

/// Sees the connection's bytes before the HTTP decoder, so a request counts as started from its
/// first byte (a connection sending its headers is not idle, though no request part is complete).
final class ActivityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let handler: ServingHandler

    init(handler: ServingHandler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handler.requestStarted()
        context.fireChannelRead(data)
    }
}

/// Answers the requests of one connection, one at a time and in order: collects a body the
/// service wants (within the size limit and the read timeout), calls `ModelService.handle` and
/// writes its answer. Large bodies are parsed and scored on the worker pool, so the event loop
/// stays free for other connections (health probes among them) while a big batch is scored.
final class ServingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    /// Bodies larger than this are parsed and scored on the worker pool (about a hundred rows; a
    /// single row, the common request, stays on the loop, where it costs less than the hand-off).
    static let offloadBytes = 16 * 1024
    /// After a body this large, memory is handed back to the system once no other is in flight.
    static let trimBytes = 256 * 1024
    /// Large requests being handled on the worker pool, across all connections.
    static let largeInFlight = Atomic<Int>(0)

    private struct Pending {
        var head: HTTPRequestHead
        var authorization: String?
        var contentType: String?
        var start: ContinuousClock.Instant
        /// nil when the service does not want the body (it is then dropped as it arrives).
        var body: ByteBuffer?
    }

    private let router: ModelRouter
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
    /// A request is being answered on the worker pool; what arrives meanwhile waits.
    private var offloaded = false
    /// Held at the connection limit: nothing is answered until the registry admits it.
    private var held = false
    /// Whether the registry knows this connection as idle (answered, nothing new arrived).
    private var idle = false
    private var registration: Int?
    private let registry: ConnectionRegistry
    private let workers: NIOThreadPool

    init(
        router: ModelRouter, idleTimeout: Duration, readTimeout: Duration, registry: ConnectionRegistry,
        workers: NIOThreadPool
    ) {
        self.router = router
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.registry = registry
        self.workers = workers
    }

    /// The first byte of a request arrived: the connection may no longer be evicted.
    func requestStarted() {
        guard idle, let registration else { return }
        idle = false
        registry.busy(registration)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopHandler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let (id, admitted) = registry.register(
            ConnectionRegistry.Actions(
                evict: { loop.execute { loopHandler.value.evict(context: loopContext.value) } },
                admit: { loop.execute { loopHandler.value.admit(context: loopContext.value) } }))
        registration = id
        held = !admitted
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
        unregister()
    }

    private func unregister() {
        if let registration { registry.closed(registration) }
        registration = nil
    }

    /// Chosen to make room for a newcomer: closes if still idle (a request may have begun since).
    private func evict(context: ChannelHandlerContext) {
        guard idle, !closing, pending == nil, waiting.isEmpty, !offloaded else { return }
        closing = true
        context.close(promise: nil)
    }

    /// Admitted after waiting at the connection limit: answers what arrived meanwhile.
    private func admit(context: ChannelHandlerContext) {
        guard held else { return }
        held = false
        lastActivity = .now
        drain(context: context)
    }

    /// Marks the connection idle once nothing is in progress; at the limit with a newcomer held,
    /// gives its place up and closes.
    private func becomeIdleIfDone(context: ChannelHandlerContext) {
        guard !idle, !closing, !held, pending == nil, waiting.isEmpty, !offloaded, let registration else { return }
        idle = true
        if registry.idle(registration) {
            self.registration = nil
            closeGently(context: context)
        }
    }

    private func checkTimeouts(context: ChannelHandlerContext) {
        guard !closing else { return }
        let now = ContinuousClock.now
        if let late = pending, now - late.start >= readTimeout {
            // A body still arriving after the read timeout: 408 if the service wanted it; if not
            // (a 401, 404 or 405 whose body trickles in), the answer it would have got anyway.
            answerEarly(
                context: context, head: late.head, authorization: late.authorization, contentType: late.contentType,
                body: late.body == nil ? nil : .timedOut(readTimeout), start: late.start)
        } else if !offloaded, now - lastActivity >= idleTimeout {
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
        guard waiting.isEmpty && context.channel.isWritable && !offloaded && !held else {
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
        drain(context: context)
        context.fireChannelWritabilityChanged()
    }

    /// Answers the requests that waited (for the client to read, for the worker pool, for a place
    /// at the connection limit), then reads again or closes as the client asked.
    private func drain(context: ChannelHandlerContext) {
        while context.channel.isWritable, !waiting.isEmpty, !closing, !offloaded, !held {
            process(waiting.removeFirst(), context: context)
        }
        if context.channel.isWritable && waiting.isEmpty && !offloaded && !held && !closing {
            if inputClosed {
                closeAfterLastWrite(context.channel)
            } else {
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                becomeIdleIfDone(context: context)
            }
        }
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            let start = lastActivity
            requestStarted()
            let authorization = head.headers.first(name: "authorization")
            let contentType = head.headers.first(name: "content-type")
            guard
                router.wantsBody(
                    method: head.method.rawValue, path: head.uri, authorization: authorization, contentType: contentType
                )
            else {
                pending = Pending(
                    head: head, authorization: authorization, contentType: contentType, start: start, body: nil)
                return
            }
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init),
                declared > router.maximumBodyBytes
            {
                answerEarly(
                    context: context, head: head, authorization: authorization, contentType: contentType,
                    body: .tooLarge, start: start)
                return
            }
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl asks before sending a body over 1 KiB; without this it waits a second.
                context.writeAndFlush(
                    wrapOutboundOut(context.channel.allocator.buffer(string: "HTTP/1.1 100 Continue\r\n\r\n")),
                    promise: nil)
            }
            pending = Pending(
                head: head, authorization: authorization, contentType: contentType, start: start,
                body: context.channel.allocator.buffer(capacity: 0))
        case .body(var part):
            // Taken out of `pending` while it grows: a second reference to the buffer would make
            // every append copy the whole body so far (quadratic in the body's length).
            guard var request = pending, var body = request.body else { return }
            pending = nil
            request.body = nil
            if body.readableBytes + part.readableBytes > router.maximumBodyBytes {
                answerEarly(
                    context: context, head: request.head, authorization: request.authorization,
                    contentType: request.contentType, body: .tooLarge, start: request.start)
                return
            }
            // A body in one part, the usual case, is kept as the decoder's slice of what was read,
            // without a copy.
            if body.readableBytes == 0 {
                body = part
            } else {
                body.writeBuffer(&part)
            }
            request.body = body
            pending = request
        case .end:
            guard let request = pending else { return }
            pending = nil
            let close = !request.head.isKeepAlive || quiescing
            let router = router
            let body = request.body.map { buffer in IncomingBody.bytes(buffer.withUnsafeReadableBytes { Data($0) }) }
            let bodyBytes = request.body?.readableBytes ?? 0
            guard bodyBytes > Self.offloadBytes || router.answersOffLoop(path: request.head.uri) else {
                let answer = router.handle(
                    method: request.head.method.rawValue, path: request.head.uri, authorization: request.authorization,
                    contentType: request.contentType, body: body, start: request.start)
                write(answer, for: request.head, context: context, close: close)
                return
            }
            // A large body, a drift summary or outcomes to store: handled on the worker pool; the answer is written
            // back here, on the loop. Requests behind it on this connection wait in order.
            offloaded = true
            let head = request.head, authorization = request.authorization, contentType = request.contentType,
                start = request.start
            let large = bodyBytes >= Self.trimBytes
            if large { Self.largeInFlight.add(1, ordering: .relaxed) }
            let answered = workers.runIfActive(eventLoop: context.eventLoop) {
                defer { if large { Self.finishedLarge() } }
                return router.handle(
                    method: head.method.rawValue, path: head.uri, authorization: authorization,
                    contentType: contentType, body: body, start: start)
            }
            let loopHandler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            answered.whenComplete { result in
                let handler = loopHandler.value, context = loopContext.value
                handler.offloaded = false
                handler.lastActivity = .now
                guard !handler.closing else { return }
                let answer: APIResponse
                switch result {
                case .success(let a): answer = a
                case .failure:
                    answer = APIError(503, "the server is shutting down", details: ["try again later"]).response
                }
                handler.write(answer, for: head, context: context, close: close || handler.quiescing)
                handler.drain(context: context)
            }
        }
    }

    /// Gives freed memory back to the system once the last large request in flight is done: a
    /// burst of large batches otherwise leaves the process at its peak size. Runs on the worker.
    private static func finishedLarge() {
        if largeInFlight.subtract(1, ordering: .relaxed).newValue == 0 { _ = trimHeap?(0) }
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not export; nil elsewhere.
    private static let trimHeap: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        // RTLD_DEFAULT: the symbol as the process already links it.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Answers before the request ended (body too large, or too slow), then closes: the rest of
    /// the body is not worth reading.
    private func answerEarly(
        context: ChannelHandlerContext, head: HTTPRequestHead, authorization: String?, contentType: String?,
        body: IncomingBody?, start: ContinuousClock.Instant
    ) {
        pending = nil
        let answer = router.handle(
            method: head.method.rawValue, path: head.uri, authorization: authorization, contentType: contentType,
            body: body, start: start)
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
        if close {
            closeGently(context: context)
        } else {
            becomeIdleIfDone(context: context)
        }
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
            if pending == nil && !offloaded { closeGently(context: context) }
        case ChannelEvent.inputClosed:
            // The client will send nothing more: once the requests it sent are answered and the
            // answers are out, close.
            inputClosed = true
            if !waiting.isEmpty || offloaded { return }
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
        unregister()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        if error is HTTPParserError {
            // Not HTTP the decoder can follow: say so in the API's error shape, then close.
            let answer = APIError(400, "the request is not valid HTTP/1.1", details: [String(describing: error)])
                .response
            write(answer, for: pending?.head, context: context, close: true)
        } else {
            closing = true
            context.close(promise: nil)
        }
    }
}
