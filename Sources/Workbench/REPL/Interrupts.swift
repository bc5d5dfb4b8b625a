import Foundation

/// The process-wide flag Ctrl-C sets; sessions poll it through their `CancellationFlag`.
public let interruptFlag = CancellationFlag()

/// Routes SIGINT to `interruptFlag` instead of killing the process, so Ctrl-C cancels the command
/// in flight and the session (and its transcript) survives.
public func installInterruptHandler() {
    var action = sigaction()
    #if os(Linux)
    action.__sigaction_handler.sa_handler = { _ in interruptFlag.set() }
    #else
    action.__sigaction_u.__sa_handler = { _ in interruptFlag.set() }
    #endif
    sigemptyset(&action.sa_mask)
    // No SA_RESTART: a blocking read returns EINTR so the line editor can give up the line.
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    // A parent may have started us with SIGINT blocked (the mask survives exec); unblock it, or
    // Ctrl-C would never arrive.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
}
