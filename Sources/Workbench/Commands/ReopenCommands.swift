import CommandLanguage
import Foundation

extension CommandTable {
    /// `open PATH`: restores the names a recorded session bound.
    static let open = CommandSpec(
        "open", topic: "session",
        summary: "restore the names a recorded session bound, its models from the model cache",
        discussion: """
            Runs the transcript's cells again without showing their output, then says which names came \
            back. Models are taken from the model cache under $WORKBENCH_HOME/models (every train fills \
            it) and fitted again, with a note, only when they are not there. Data files are read again \
            and their fingerprints checked: a changed file is named with the names that depend on it, \
            and models trained on it are fitted again. Cells that only show something (describe, plot…) \
            are skipped, and what acts outside the session (export, save, report, serve, tutorial…) is \
            never done again. In the shell, `workbench open FILE` starts a session that continues the \
            transcript: its cells become cells 1 to N and the next is N+1.
            """,
        positionals: [PositionalSpec(.path, .path)],
        examples: ["open \"sessions/penguins-basics.wbt\""],
        run: { context in
            let (written, resolved) = try context.path(.path)
            let transcript = try Transcript.read(path: resolved)
            let report = try Reopener(transcript: transcript, shownPath: written, path: resolved).run(
                into: context.session, adopt: false)
            for line in report.lines { context.print(line) }
        })

    /// `cache [clear]`: the model cache's size, or empties it.
    static let cache = CommandSpec(
        "cache", topic: "session",
        summary: "show the model cache (entries, size, cap), or empty it with cache clear",
        discussion: """
            Every model train fits is kept under $WORKBENCH_HOME/models, named by a digest of the command, \
            its data's fingerprints, the seed and the workbench version, so that open restores it without \
            fitting it again. The least recently used models are removed beyond the cap, \
            \(ModelCache.formatBytes(ModelCache.defaultLimit)) unless \(ModelCache.limitVariable) says otherwise (like 500M or 4G; 0 turns the cache off).
            """,
        positionals: [PositionalSpec(.clear, .choice(["clear"]), optional: true)],
        examples: ["cache", "cache clear"],
        reopen: .actsOutside,
        run: { context in
            let cache = context.session.modelCache
            if let problem = cache.limitProblem { context.print("note: " + problem) }
            if context.invocation.positionals[.clear] != nil {
                let action = try context.text(.clear)
                guard action == "clear" else {
                    throw LanguageError.semantic(
                        "cache takes clear or nothing, not '\(action)'", at: context.invocation.range(of: "clear"),
                        hint: "cache shows the cache; cache clear empties it")
                }
                let (entries, bytes) = try cache.clear()
                context.print(
                    "removed "
                        + Output.volatile(
                            "\(entries) cached model\(entries == 1 ? "" : "s") (\(ModelCache.formatBytes(bytes)))")
                        + " from the model cache")
                return
            }
            let (entries, bytes) = try cache.status()
            guard cache.isEnabled else {
                context.print("the model cache is off (\(ModelCache.limitVariable)=0); open fits every model again")
                return
            }
            context.print(
                "model cache: "
                    + Output.volatile("\(entries) model\(entries == 1 ? "" : "s"), \(ModelCache.formatBytes(bytes))")
                    + " of a " + Output.volatile(ModelCache.formatBytes(cache.limit)) + " cap, in "
                    + Output.volatile(cache.folder))
        })
}
