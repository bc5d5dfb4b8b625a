public import Tabular

/// Compares current data with a reference: per-feature statistics and the drift decision.
public enum DriftDetector {
    /// Drift of `columns` (default: every reference column) between two frames. The reference is
    /// used in full (no sample cap), so KS and Wasserstein see every value.
    public static func compare(
        reference: DataFrame, current: DataFrame, columns: [String]? = nil,
        options: DriftOptions = DriftOptions()
    ) throws -> DatasetDrift {
        let profile = try ReferenceProfile(frame: reference, columns: columns, sampleCap: nil)
        return try profile.compare(current, options: options)
    }

    /// Drift of a model's outputs: class labels are compared as a categorical feature, regression
    /// values as a numeric one. `classes` names the class codes; labels follow `decision` on both sides.
    public static func comparePredictions(
        reference: Prediction, current: Prediction, classes: [String] = [], decision: DecisionRule = .mostProbable,
        options: DriftOptions = DriftOptions()
    ) throws -> FeatureDrift {
        let profile = ReferenceProfile(
            column: predictionColumn(reference, classes: classes, decision: decision), sampleCap: nil)
        let frame = try DataFrame(columns: [predictionColumn(current, classes: classes, decision: decision)])
        let result = try profile.compare(frame, options: options)
        guard let feature = result.features.first else { throw DriftError.emptyReference }
        return feature
    }

    /// A model's outputs as a column named "prediction": labels (text) or values (numbers).
    public static func predictionColumn(_ prediction: Prediction, classes: [String], decision: DecisionRule) -> Column {
        switch prediction {
        case .values(let values):
            return Column(name: "prediction", data: .numeric(values))
        case .probabilities:
            let labels = prediction.labels(decision: decision) ?? []
            let names = labels.map { classes.indices.contains($0) ? classes[$0] : String($0) }
            let levels = Array(Set(names)).sorted()
            let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
            return Column(name: "prediction", data: .categorical(codes: names.map { code[$0] ?? -1 }, levels: levels))
        }
    }
}

extension ReferenceProfile {
    /// Drift of `current` against this profile, feature by feature (columns by name), decided by
    /// `options` over this profile's features as one family.
    public func compare(_ current: DataFrame, options: DriftOptions = DriftOptions()) throws -> DatasetDrift {
        var results = try measure(current, options: options)
        options.decide(&results)
        return options.summarize(results)
    }

    /// Every feature's statistics against `current`. Under `DriftRule.tested` nothing is decided
    /// yet: `DriftOptions.decide` decides a whole family at once (see `DriftOptions.judge`).
    /// - Complexity: O(columns) lookups by name, then each feature's own comparison.
    public func measure(_ current: DataFrame, options: DriftOptions) throws -> [FeatureDrift] {
        // One dictionary, not a search of the frame per feature (quadratic at ten thousand features).
        var byName: [String: Column] = [:]
        for column in current.columns where byName[column.name] == nil { byName[column.name] = column }
        let absent = features.map(\.name).filter { byName[$0] == nil }
        guard absent.isEmpty else { throw DriftError.missingColumns(absent) }
        let small = rowCount <= options.smallReferenceRows
        var featureOptions = options
        if small && options.rule == .bySize && options.correction == .bonferroni && !features.isEmpty {
            featureOptions.pValueThreshold = options.pValueThreshold / Double(features.count)
        }
        return try features.map { feature -> FeatureDrift in
            guard let column = byName[feature.name] else { throw DriftError.missingColumns([feature.name]) }
            return try feature.compare(column, smallReference: small, options: featureOptions)
        }
    }
}

extension FeatureProfile {
    /// This feature's drift against `column`.
    func compare(_ column: Column, smallReference: Bool, options: DriftOptions) throws -> FeatureDrift {
        guard column.kind == kind else {
            throw DriftError.kindMismatch(
                column: name, reference: Self.describe(kind), current: Self.describe(column.kind))
        }
        let currentRows = column.data.count
        let currentMissing = Double(column.data.missingCount) / Double(max(currentRows, 1))
        var result = FeatureDrift(
            name: name, kind: kind, psi: nil, psiBand: .unknown, ks: nil, chiSquare: nil, jensenShannon: nil,
            wasserstein: nil, decidedBy: .noValues, drifted: false,
            referenceMissingRate: missingRate, currentMissingRate: currentMissing)
        switch column.data {
        case .numeric(let values):
            guard let reference = numeric else { return result }
            let present = values.filter { $0.isFinite }.sorted()
            guard reference.count > 0, !present.isEmpty else {
                result.drifted = (reference.count > 0) != !present.isEmpty
                return result
            }
            let counts = DriftStatistics.binCounts(present, edges: reference.edges)
            result.psi = DriftStatistics.psi(
                reference: reference.binCounts, current: counts, floor: options.emptyBinFloor)
            result.jensenShannon = DriftStatistics.jensenShannon(reference.binCounts, counts)
            if let ks = KolmogorovSmirnov.test(sorted: reference.sample, sorted: present) {
                result.ks = KSResult(statistic: ks.statistic, pValue: ks.pValue)
            }
            let distance = DriftStatistics.wasserstein(sortedU: reference.sample, sortedV: present)
            let scale = max(reference.standardDeviation, 0.001)
            result.wasserstein = WassersteinResult(distance: distance, normalized: distance / scale)
            result.effect = result.ks?.statistic
            if options.rule == .tested {
                result.decidedBy = .kolmogorovSmirnov  // decided with the whole family in `decide`
            } else if smallReference {
                result.decidedBy = .kolmogorovSmirnov
                result.drifted = (result.ks?.pValue ?? 1) < options.pValueThreshold
            } else {
                result.decidedBy = .wasserstein
                result.drifted = distance / scale >= options.wassersteinThreshold
            }
        case .categorical(let codes, let levels):
            guard let reference = categorical else { return result }
            // Union of levels: the reference's in its order, then new ones in order of appearance.
            var index: [String: Int] = [:]
            var allLevels = reference.levels
            for (i, level) in allLevels.enumerated() { index[level] = i }
            var currentCounts = [Int](repeating: 0, count: allLevels.count)
            for c in codes where c >= 0 {
                let level = levels[Int(c)]
                if let i = index[level] {
                    currentCounts[i] += 1
                } else {
                    index[level] = allLevels.count
                    allLevels.append(level)
                    currentCounts.append(1)
                }
            }
            var referenceCounts = reference.counts
            referenceCounts += [Int](repeating: 0, count: allLevels.count - referenceCounts.count)
            let referenceTotal = referenceCounts.reduce(0, +), currentTotal = currentCounts.reduce(0, +)
            guard referenceTotal > 0, currentTotal > 0 else {
                result.drifted = (referenceTotal > 0) != (currentTotal > 0)
                return result
            }
            result.psi = DriftStatistics.psi(
                reference: referenceCounts, current: currentCounts, floor: options.emptyBinFloor)
            result.jensenShannon = DriftStatistics.jensenShannon(referenceCounts, currentCounts)
            if let chi = ChiSquareTest.homogeneity(reference: referenceCounts, current: currentCounts) {
                result.chiSquare = ChiSquareResult(
                    statistic: chi.statistic, pValue: chi.pValue, degreesOfFreedom: chi.dof)
            }
            result.effect =
                zip(referenceCounts, currentCounts).reduce(0) {
                    $0 + abs(Double($1.0) / Double(referenceTotal) - Double($1.1) / Double(currentTotal))
                } / 2
            if options.rule == .tested {
                result.decidedBy = .chiSquare
            } else if smallReference {
                result.decidedBy = .chiSquare
                result.drifted = (result.chiSquare?.pValue ?? 1) < options.pValueThreshold
            } else {
                result.decidedBy = .jensenShannon
                result.drifted = (result.jensenShannon ?? 0) >= options.jensenShannonThreshold
            }
        }
        result.psiBand = result.psi.map { options.band($0) } ?? .unknown
        return result
    }

    private static func describe(_ kind: ColumnKind) -> String { kind == .number ? "numbers" : "text" }
}
