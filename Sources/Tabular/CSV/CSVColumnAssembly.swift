import Parallelism

/// What one chunk's parse left behind. Outside the generic assembly, so the parallel parse's
/// closure that returns it does not capture the source's type.
private struct ChunkState {
    var outcomes: [CSVChunkParser.Outcome]
    var levels: [CSVLevelTable]
}

/// Runs the parallel parse over all chunks, settles each column's type, and builds the text columns.
///
/// The chunks are read a window at a time (consecutive chunks up to `windowSize` bytes) and parsed in
/// parallel within it; the first window also feeds `hasher`, in file order, if there is one.
struct CSVColumnAssembly<Source: CSVSource> {
    let source: Source
    let separator: UInt8
    let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let missing: CSVMissingTokens
    let chunks: [CSVChunker.Chunk]
    let threads: Int
    let windowSize: Int
    /// Hashes the bytes of each window of the first parse, in order (the reader hashes what lies
    /// outside the chunks: the header before them, the trailing line ends after).
    let hasher: IncrementalFingerprint?

    /// Parses everything into the slots; returns the text columns (by index). Numeric columns stay in the slots.
    /// Throws `CSVParseIssue` for bad input (the issue earliest in the file) and the source's errors.
    func run(modes: [CSVChunkParser.Mode], rows: Int) throws -> [Int: ColumnData] {
        try CSVNumberParser.powersOfTen.withUnsafeBufferPointer { pow10 throws -> [Int: ColumnData] in
            guard let pow = pow10.baseAddress else { preconditionFailure("internal error: no powers of ten") }
            return try run(modes: modes, rows: rows, pow10: pow)
        }
    }

    private func run(modes: [CSVChunkParser.Mode], rows: Int, pow10: UnsafePointer<Double>) throws -> [Int: ColumnData]
    {
        let columnCount = modes.count
        var states = try parseAll(
            chunkIndices: Array(chunks.indices), modes: { _ in modes }, pow10: pow10, hashing: true)

        // A column is text if it was declared text or any chunk saw a non-number in it.
        let isText = (0..<columnCount).map { c in
            modes[c] == .text || states.contains { $0.outcomes[c] != .numeric }
        }
        // Chunks where a text column still holds numbers are parsed again for those columns only.
        let fixups = chunks.indices.filter { k in
            (0..<columnCount).contains { c in isText[c] && states[k].outcomes[c] != .text }
        }
        if !fixups.isEmpty {
            let redone = try parseAll(
                chunkIndices: fixups,
                modes: { k in
                    (0..<columnCount).map { c in isText[c] && states[k].outcomes[c] != .text ? .text : .skip }
                }, pow10: pow10, hashing: false)
            for (k, state) in zip(fixups, redone) {
                for c in 0..<columnCount where isText[c] && states[k].outcomes[c] != .text {
                    states[k].levels[c] = state.levels[c]
                    states[k].outcomes[c] = .text
                }
            }
        }

        // Merge level tables in chunk order (first appearance in the file), then rewrite codes.
        var result: [Int: ColumnData] = [:]
        for c in 0..<columnCount where isText[c] {
            var levels: [String] = []
            var index: [String: Int32] = [:]
            let maps = states.map { state -> [Int32] in
                let table = state.levels[c]
                return (0..<table.count).map { local in
                    let text = String(decoding: table.bytes(of: local), as: UTF8.self)
                    if let code = index[text] { return code }
                    let code = Int32(levels.count)
                    index[text] = code
                    levels.append(text)
                    return code
                }
            }
            let slot = SharedPointer(slots[c])
            let sharedMaps = SharedPointer(maps)
            let chunkList = chunks
            let codes = [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
                let target = SharedPointer(buffer)
                _ = parallelMap(chunkList.count, threads: threads) { k in
                    let chunk = chunkList[k]
                    let map = sharedMaps.pointer[k]
                    for row in chunk.firstRow..<(chunk.firstRow + chunk.rowCount) {
                        let local = slot.pointer.load(fromByteOffset: row &* 8, as: Int32.self)
                        target.pointer[row] = local < 0 ? -1 : map[Int(local)]
                    }
                    // These slots are never read again: their pages go back to the system now, so
                    // a text column's 8-byte slots and its 4-byte codes are not held side by side.
                    CSVColumnStorage.release(slot.pointer + chunk.firstRow &* 8, byteCount: chunk.rowCount &* 8)
                    return 0
                }
                initialized = rows
            }
            result[c] = .categorical(codes: codes, levels: levels)
        }
        return result
    }

    /// Parses the given chunks (in file order), window by window, in parallel within each window;
    /// throws the issue earliest in the file, if any. With `hashing`, each window also goes to `hasher`.
    private func parseAll(
        chunkIndices: [Int], modes: (Int) -> [CSVChunkParser.Mode],
        pow10: UnsafePointer<Double>, hashing: Bool
    ) throws -> [ChunkState] {
        var states: [ChunkState] = []
        states.reserveCapacity(chunkIndices.count)
        let hasher = hashing ? self.hasher : nil
        var first = 0
        while first < chunkIndices.count {
            // Consecutive chunks up to windowSize bytes (at least one, however large).
            let windowStart = chunks[chunkIndices[first]].start
            var last = first + 1
            while last < chunkIndices.count, chunkIndices[last] == chunkIndices[last - 1] + 1,
                chunks[chunkIndices[last]].end - windowStart <= windowSize
            {
                last += 1
            }
            let group = Array(chunkIndices[first..<last])
            let windowEnd = chunks[chunkIndices[last - 1]].end
            let groupModes = group.map(modes)
            let results = try source.withBytes(offset: windowStart, count: windowEnd - windowStart) {
                bytes -> [Result<ChunkState, CSVParseIssue>?] in
                guard let base = bytes.baseAddress else { return [] }
                let shared = SharedPointer((base: base, slots: UnsafePointer(slots), pow10: pow10))
                // Task 0 hashes the window (the longest task, so it starts first); the rest parse a chunk each.
                let offset = hasher == nil ? 0 : 1
                let (chunks, separator, missing) = (chunks, separator, missing)
                return parallelMap(group.count + offset, threads: threads) {
                    task -> Result<ChunkState, CSVParseIssue>? in
                    if let hasher, task == 0 {
                        hasher.update(UnsafeBufferPointer(start: shared.pointer.base, count: windowEnd - windowStart))
                        return nil
                    }
                    var chunk = chunks[group[task - offset]]
                    chunk.start -= windowStart
                    chunk.end -= windowStart
                    var parser = CSVChunkParser(
                        base: shared.pointer.base, separator: separator, slots: shared.pointer.slots,
                        missing: missing, pow10: shared.pointer.pow10, modes: groupModes[task - offset])
                    do throws(CSVParseIssue) {
                        try parser.parse(chunk)
                    } catch {
                        return .failure(error.shifted(by: windowStart))
                    }
                    return .success(ChunkState(outcomes: parser.outcomes, levels: parser.levels))
                }
            }
            var firstIssue: CSVParseIssue?
            for case let result? in results {
                switch result {
                case .success(let state): states.append(state)
                case .failure(let issue):
                    if issue.offset < firstIssue?.offset ?? Int.max { firstIssue = issue }
                }
            }
            // Windows go in file order, so an issue here comes before any in a later window.
            if let firstIssue { throw firstIssue }
            first = last
        }
        return states
    }
}
