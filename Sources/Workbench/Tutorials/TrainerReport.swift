public import Bundles
import Charts
public import Foundation
import Learning

/// A trainer's view of the progress files learners wrote (`workbench tutorial report DIR…`): who
/// finished which lesson, the steps where learners needed the most attempts or the solution, and,
/// for a bundle, each learner's readiness for its generated lesson. Plain data (its JSON form),
/// drawn as text and tables for the terminal and as a self-contained HTML page.
public struct TrainerReport: Codable, Sendable, Equatable {
    /// One learner's state in one lesson.
    public struct LessonState: Codable, Sendable, Equatable {
        public var lesson: String
        public var finished: Bool
        public var stepsDone: Int
        /// Steps in the lesson (nil when the lesson is not in the catalog).
        public var steps: Int?
        public var attempts: Int
        public var hints: Int
        public var solutions: Int
        public var minutes: Double
    }

    public struct Learner: Codable, Sendable, Equatable {
        public var name: String
        /// The progress file's name.
        public var file: String
        public var lessons: [LessonState]
    }

    /// A step and how much help learners needed on it, over every learner who reached it.
    public struct HardStep: Codable, Sendable, Equatable {
        public var lesson: String
        public var step: String
        public var title: String
        public var learners: Int
        public var attempts: Int
        public var hints: Int
        /// Learners who were shown the solution.
        public var solutions: Int
    }

    /// One learner's readiness for the bundle's lesson.
    public struct Readiness: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case ready, review = "needs review", notReady = "not ready" }
        public var learner: String
        public var status: Status
        /// Why not ready (empty when ready).
        public var reasons: [String]
    }

    /// Readiness for the lesson `tutorial make` wrote about one bundle.
    public struct BundleReadiness: Codable, Sendable, Equatable {
        public var bundle: String
        public var model: String
        public var lesson: String
        /// Lessons to finish before working with this model (by its task).
        public var prerequisites: [String]
        public var learners: [Readiness]
    }

    public var learners: [Learner]
    /// Every lesson someone worked on, in catalog order.
    public var lessons: [String]
    /// The steps that needed most help, hardest first (at most ten).
    public var hardestSteps: [HardStep]
    public var readiness: BundleReadiness?
    /// Files that could not be read, and learners found twice.
    public var notes: [String]

    /// Shipped lessons a learner should finish before the generated lesson of a model of `task`.
    static func prerequisites(task: String) -> [String] {
        [
            "invoking-a-model", task == "regression" ? "reading-regression" : "reading-classification",
            "when-not-to-trust",
        ]
    }

    /// Reads every `*.json` progress file in `folders` (not recursively). A file that is not
    /// progress is a note, never a failure of the whole report.
    public static func build(
        folders: [String], catalog: [Lesson],
        readinessFor bundle: (path: String, loaded: LoadedBundle, lesson: String)? = nil
    ) throws -> TrainerReport {
        var notes: [String] = []
        var learners: [(name: String, file: String, progress: TutorialProgress)] = []
        for folder in folders {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw CommandError(
                    "\(folder) is not a folder of progress files",
                    hint:
                        "give folders that hold learners' NAME.json files ($WORKBENCH_HOME/tutorials/learners, or the shared $WORKBENCH_PROGRESS)"
                )
            }
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                $0.hasSuffix(".json") && !$0.hasPrefix(".")
            }.sorted()
            for file in files {
                let path = (folder as NSString).appendingPathComponent(file)
                guard let data = try? BoundedFile.read(path, limit: 16 << 20),
                    let progress = try? JSONDecoder().decode(TutorialProgress.self, from: data)
                else {
                    notes.append("\(path) is not a progress file; skipped")
                    continue
                }
                let name = progress.learner ?? String(file.dropLast(5))
                if learners.contains(where: { $0.name == name }) {
                    notes.append("learner \(name) appears again in \(path); the first file is used")
                    continue
                }
                learners.append((name, file, progress))
            }
        }
        learners.sort { $0.name < $1.name }
        let byName = Dictionary(catalog.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let worked = Set(learners.flatMap { $0.progress.lessons.keys })
        let lessons = catalog.map(\.name).filter(worked.contains) + worked.subtracting(byName.keys).sorted()

        var report = TrainerReport(learners: [], lessons: lessons, hardestSteps: [], readiness: nil, notes: notes)
        var help: [String: HardStep] = [:]
        for learner in learners {
            var states: [LessonState] = []
            for name in lessons {
                guard let entry = learner.progress.lessons[name] else { continue }
                let records = entry.steps.values
                states.append(
                    LessonState(
                        lesson: name, finished: entry.finished, stepsDone: entry.done.count,
                        steps: byName[name]?.steps.count,
                        attempts: records.reduce(0) { $0 + $1.attempts }, hints: records.reduce(0) { $0 + $1.hints },
                        solutions: records.filter(\.solution).count, minutes: (entry.seconds / 60 * 10).rounded() / 10))
                for (id, record) in entry.steps where record.attempts > 0 || record.hints > 0 || record.solution {
                    let key = name + "\u{0}" + id
                    var step =
                        help[key]
                        ?? HardStep(
                            lesson: name, step: id, title: byName[name]?.steps.first { $0.id == id }?.title ?? "",
                            learners: 0, attempts: 0, hints: 0, solutions: 0)
                    step.learners += 1
                    step.attempts += record.attempts
                    step.hints += record.hints
                    step.solutions += record.solution ? 1 : 0
                    help[key] = step
                }
            }
            report.learners.append(Learner(name: learner.name, file: learner.file, lessons: states))
        }
        report.hardestSteps = Array(
            help.values.sorted {
                ($0.solutions, $0.attempts, $0.hints, $1.lesson, $1.step) > (
                    $1.solutions, $1.attempts, $1.hints, $0.lesson, $0.step
                )
            }.prefix(10))
        if let bundle {
            let task = bundle.loaded.pipeline.task.rawValue
            let prerequisites = prerequisites(task: task)
            var section = BundleReadiness(
                bundle: bundle.path, model: bundle.loaded.manifest.name, lesson: bundle.lesson,
                prerequisites: prerequisites, learners: [])
            for learner in learners {
                section.learners.append(
                    readiness(
                        of: learner.name, progress: learner.progress, lesson: bundle.lesson,
                        prerequisites: prerequisites))
            }
            report.readiness = section
        }
        return report
    }

    /// Ready: finished the bundle's lesson without its solutions, and every prerequisite. Needs
    /// review: finished it, but with a solution or a prerequisite missing. Not ready: not finished.
    static func readiness(of learner: String, progress: TutorialProgress, lesson: String, prerequisites: [String])
        -> Readiness
    {
        var reasons: [String] = []
        let entry = progress.lessons[lesson]
        let finished = entry?.finished == true
        if !finished {
            reasons.append(
                entry == nil
                    ? "has not started \(lesson)" : "has not finished \(lesson) (on step \(entry?.step ?? "?"))")
        }
        let solved = (entry?.steps ?? [:]).filter(\.value.solution).keys.sorted()
        if !solved.isEmpty {
            reasons.append("needed the solution in \(lesson) at " + solved.map { "[\($0)]" }.joined(separator: ", "))
        }
        for name in prerequisites where progress.lessons[name]?.finished != true {
            reasons.append("has not finished \(name)")
        }
        let status: Readiness.Status = !finished ? .notReady : (reasons.isEmpty ? .ready : .review)
        return Readiness(learner: learner, status: status, reasons: reasons)
    }

    /// The report over `folders`, with the lessons of the catalog seen from `workingDirectory`,
    /// and readiness for the lesson about the bundle at `bundle.path` (as the user wrote it;
    /// `resolve` makes it absolute).
    public static func build(
        folders: [String], workingDirectory: String, bundle: (path: String, lesson: String)?,
        resolve: (String) -> String
    ) throws -> TrainerReport {
        let catalog = LessonLibrary.catalog(workingDirectory: workingDirectory).lessons.compactMap { try? $0.load() }
        let loaded = try bundle.map {
            (path: $0.path, loaded: try BundleReader.open(resolve($0.path)), lesson: $0.lesson)
        }
        return try build(folders: folders, catalog: catalog, readinessFor: loaded)
    }

    /// Writes the page (`.html`, `.htm`) or the JSON form (`.json`), refused if the file exists
    /// unless the target may overwrite.
    public static func write(_ report: TrainerReport, to target: FileTarget) throws {
        let ext = (target.path as NSString).pathExtension.lowercased()
        switch ext {
        case "html", "htm": try target.write(Data(report.html().utf8))
        case "json": try target.write(report.json())
        default:
            throw CommandError(
                "cannot tell the report format from '\((target.shown as NSString).lastPathComponent)'",
                hint: "end the path in .html (a page) or .json")
        }
    }

    // MARK: drawing

    /// The report as a cell's output: tables, with a heatmap of progress and bars of the hardest steps.
    public func output(width: Int) -> Output {
        var out = Output()
        out.append(
            "\(learners.count) learner\(learners.count == 1 ? "" : "s"), \(lessons.count) lesson\(lessons.count == 1 ? "" : "s") worked on"
        )
        for section in sections() {
            out.blank()
            out.append(section.title)
            if let table = section.table { out.append(table, width: width) }
            if let chart = section.chart { out.append(chart, width: width) }
            for line in section.lines { out.append(line) }
        }
        for note in notes { out.append("note: " + note) }
        return out
    }

    struct Section {
        var id: String
        var title: String
        var table: TextTable?
        var chart: Chart?
        var lines: [String] = []
    }

    func sections() -> [Section] {
        var finished = TextTable(
            headers: ["learner"] + lessons + ["minutes"], alignments: [.left] + lessons.map { _ in .right } + [.right])
        var shares: [[Double]] = []
        for learner in learners {
            var row = [learner.name]
            var shareRow: [Double] = []
            for lesson in lessons {
                guard let state = learner.lessons.first(where: { $0.lesson == lesson }) else {
                    row.append("–")
                    shareRow.append(0)
                    continue
                }
                row.append(state.finished ? "finished" : "\(state.stepsDone)/\(state.steps.map(String.init) ?? "?")")
                shareRow.append(
                    state.finished ? 1 : Double(state.stepsDone) / Double(max(state.steps ?? state.stepsDone, 1)))
            }
            row.append(formatFixed(learner.lessons.reduce(0) { $0 + $1.minutes }, decimals: 1))
            finished.add(row)
            shares.append(shareRow)
        }
        var sections = [
            Section(
                id: "finished", title: "Who finished which lesson (steps done / steps)", table: finished,
                chart: learners.isEmpty || lessons.isEmpty
                    ? nil
                    : .heatmap(
                        Heatmap(
                            title: "Share of each lesson done", rowTitle: "learner", columnTitle: "lesson",
                            rowLabels: learners.map(\.name), columnLabels: lessons, cells: shares)))
        ]
        var hard = TextTable(
            headers: ["lesson", "step", "title", "learners", "attempts", "hints", "solutions"],
            alignments: [.left, .left, .left, .right, .right, .right, .right])
        for step in hardestSteps {
            hard.add([
                step.lesson, "[\(step.step)]", step.title, String(step.learners), String(step.attempts),
                String(step.hints), String(step.solutions),
            ])
        }
        sections.append(
            Section(
                id: "hardest", title: "Steps where learners needed the most help",
                table: hardestSteps.isEmpty ? nil : hard,
                chart: hardestSteps.isEmpty
                    ? nil
                    : .bars(
                        BarChart(
                            title: "Failed attempts per step", valueLabel: "attempts (all learners)",
                            bars: hardestSteps.map { Bar("\($0.lesson) [\($0.step)]", Double($0.attempts)) })),
                lines: hardestSteps.isEmpty ? ["no learner needed a hint or the solution"] : []))
        if let readiness {
            var table = TextTable(headers: ["learner", "status", "why"])
            for r in readiness.learners {
                table.add([r.learner, r.status.rawValue, r.reasons.joined(separator: "; ")])
            }
            sections.append(
                Section(
                    id: "readiness",
                    title: "Readiness for \(readiness.model) (\(readiness.bundle)): lesson \(readiness.lesson), after "
                        + readiness.prerequisites.joined(separator: ", "),
                    table: table))
        }
        return sections
    }

    /// The JSON form (sorted keys, stable for fixtures).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A self-contained page in the session report's style, its tables and charts drawn by the
    /// session report's own code.
    public func html() -> String {
        var body =
            "<p class=\"meta\">\(learners.count) learners · \(lessons.count) lessons · Workbench \(workbenchVersion)</p>\n"
        for note in notes { body += "<p class=\"note\">\(HTMLReport.escape(note))</p>\n" }
        for section in sections() {
            body += "<section class=\"cell\" id=\"\(section.id)\">\n<h2>\(HTMLReport.escape(section.title))</h2>\n"
            if let table = section.table { body += HTMLReport.htmlTable(table, id: "\(section.id)-table") }
            if let chart = section.chart {
                body +=
                    "<figure class=\"chart\" data-chart=\"\(section.id)-chart\">"
                    + SVGRenderer.render(chart, id: "\(section.id)-chart") + "</figure>\n"
            }
            for line in section.lines { body += "<p>\(HTMLReport.escape(line))</p>\n" }
            body += "</section>\n"
        }
        return HTMLReport.page(title: "Lesson progress", body: body)
    }
}
