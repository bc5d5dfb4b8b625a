// Tree-family speed check: fits tree / forest / boost on the synthetic benchmark CSV and prints
// fit time and training / holdout accuracy. Built by run.sh together with Sources/Learning.
import Foundation

/// The synthetic set as a matrix: numeric columns raw (empty = NaN), categoricals one-hot.
func loadSynthetic(_ path: String) throws -> (Matrix, [Int]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n")
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    let colorLevels = ["red", "green", "blue", "yellow", "purple"]
    let regionLevels = (1...12).map { String(format: "r%02d", $0) }
    guard let colorIndex = header.firstIndex(of: "cat_color"), let regionIndex = header.firstIndex(of: "cat_region"),
        let targetIndex = header.firstIndex(of: "target")
    else { throw CocoaError(.fileReadCorruptFile) }
    let numeric = header.indices.filter { ![colorIndex, regionIndex, targetIndex].contains($0) }
    let width = numeric.count + colorLevels.count + regionLevels.count
    var values = [Double](repeating: 0, count: lines.count * width)
    var y = [Int]()
    for (r, line) in lines.enumerated() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        for (j, c) in numeric.enumerated() { values[r * width + j] = f[c].isEmpty ? .nan : Double(f[c]) ?? .nan }
        if let k = colorLevels.firstIndex(of: String(f[colorIndex])) { values[r * width + numeric.count + k] = 1 }
        if let k = regionLevels.firstIndex(of: String(f[regionIndex])) { values[r * width + numeric.count + 5 + k] = 1 }
        y.append(f[targetIndex] == "yes" ? 1 : 0)
    }
    return (Matrix(rows: lines.count, columns: width, values: values), y)
}

/// CPU seconds used by the whole process (all threads), robust to other load on the machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(0, &usage)  // 0 = RUSAGE_SELF (its Swift type differs between Glibc and Darwin)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func accuracy(_ p: Prediction, _ y: [Int]) -> Double {
    guard let labels = p.labels else { return .nan }
    return Double(zip(labels, y).filter { $0 == $1 }.count) / Double(y.count)
}

@main
struct TreeBench {
    static func main() throws {
        let args = CommandLine.arguments
        let path = args.count > 1 ? args[1] : "/tmp/synth_100k.csv"
        let which = args.count > 2 ? args[2].split(separator: ",").map(String.init) : ["tree", "forest", "boost"]
        let threads = args.count > 3 ? Int(args[3]) ?? 2 : 2
        let (x, y) = try loadSynthetic(path)
        // Holdout: the last 20% of rows (same split as bench_sklearn.py).
        let cut = x.rows * 4 / 5
        let train = Array(0..<cut), test = Array(cut..<x.rows)
        let xTrain = x.selectingRows(train), xTest = x.selectingRows(test)
        let yTrain = train.map { y[$0] }, yTest = test.map { y[$0] }
        let target = Target.classes(yTrain, classCount: 2)
        print("workbench: \(xTrain.rows) train rows × \(x.columns) features, \(threads) threads")
        for name in which {
            let start = Date(), startCPU = cpuSeconds()
            let model: any FittedModel
            let context = FitContext(seed: 0, threads: threads)
            switch name {
            case "tree": model = try DecisionTree.make().fit(xTrain, target, context: context)
            case "forest": model = try RandomForest.make().fit(xTrain, target, context: context)
            default: model = try GradientBoosting.make().fit(xTrain, target, context: context)
            }
            let seconds = Date().timeIntervalSince(start), cpu = cpuSeconds() - startCPU
            let trainAccuracy = accuracy(model.predict(xTrain), yTrain)
            let testAccuracy = accuracy(model.predict(xTest), yTest)
            let extra = (model as? GradientBoostingModel).map { "   trees \($0.trees.count)" } ?? ""
            print(
                String(
                    format: "  %-9@ fit %7.2f s (cpu %6.2f s)   train acc %.4f   holdout acc %.4f", name as NSString,
                    seconds, cpu, trainAccuracy, testAccuracy) + extra)
        }
    }
}
