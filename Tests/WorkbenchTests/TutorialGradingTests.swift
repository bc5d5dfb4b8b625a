import Foundation
import CommandLanguage
import Testing
@testable import Workbench

@Suite("Tutorial grading")
struct TutorialGradingTests {
    @Test(arguments: ["0.62", "62%", ".62", "0.620", " 0.62 ", "62 %", "+.62"])
    func spellingsOfTheSameNumber(answer: String) {
        #expect(Grading.numberMatches(answer, expected: 0.62, tolerance: .absolute(0)))
    }

    @Test(arguments: ["0.63", "6.2", "62", "abc", "", "0.6.2", "1,5"])
    func otherAnswersDoNotMatch(answer: String) {
        #expect(!Grading.numberMatches(answer, expected: 0.62, tolerance: .absolute(0)))
    }

    @Test func defaultToleranceCoversThePrintedRounding() {
        // accuracy 0.98551 prints as 0.986; the learner types what they read.
        #expect(Grading.numberMatches("0.986", expected: 0.98551, tolerance: nil))
        #expect(Grading.numberMatches("98.6%", expected: 0.98551, tolerance: nil))
        #expect(!Grading.numberMatches("0.99", expected: 0.98551, tolerance: nil))
        // Large values get a relative tolerance: 0.1% of 53.85 is 0.054.
        #expect(Grading.numberMatches("53.83", expected: 53.85, tolerance: nil))
        #expect(!Grading.numberMatches("53.7", expected: 53.85, tolerance: nil))
    }

    @Test func explicitTolerances() {
        #expect(Grading.numberMatches("0.60", expected: 0.62, tolerance: .absolute(0.02)))
        #expect(!Grading.numberMatches("0.59", expected: 0.62, tolerance: .absolute(0.02)))
        #expect(Grading.numberMatches("101", expected: 100, tolerance: .relative(0.01)))
        #expect(!Grading.numberMatches("102", expected: 100, tolerance: .relative(0.01)))
    }

    @Test func percentAgainstALargeValueIsReadAsThatNumber() {
        #expect(Grading.numberMatches("62%", expected: 62, tolerance: .absolute(0)))
        #expect(Grading.numberMatches("8", expected: 8, tolerance: nil))
        #expect(Grading.numberMatches("1,234", expected: 1234, tolerance: .absolute(0)))
    }

    static let choices = [
        Choice(letter: "a", text: "the model is right 62% of the time"),
        Choice(letter: "b", text: "text, because its values are names"),
    ]

    @Test(arguments: ["b", "B", " b ", "b)", "(b)", "B.", "text,  because its VALUES are names"])
    func choicesIgnoreCaseAndSpacing(answer: String) {
        #expect(Grading.choiceLetter(answer, among: Self.choices) == "b")
    }

    @Test func unknownChoice() {
        #expect(Grading.choiceLetter("c", among: Self.choices) == nil)
    }
}

@Suite("Tutorial effect checks")
struct TutorialCheckTests {
    static let loaded = Requirement.dataset(DatasetFilter(rows: 344, file: "examples/penguins.csv"))

    /// Any command that binds the penguins data passes, whatever it is called and however the path is written.
    @Test(arguments: [
        "load \"examples/penguins.csv\"",
        "p = load \"examples/penguins.csv\" as penguins",
        "birds = load \"./examples/../examples/penguins.csv\"",
        "load \"examples/penguins.csv\" as data header=yes",
    ])
    func loadingPassesHoweverItIsWritten(command: String) throws {
        let session = makeSession()
        let cell = try #require(session.execute(command))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(Self.loaded.satisfied(by: session, facts: []) != nil)
    }

    @Test func otherDataDoesNotPass() {
        let session = makeSession()
        run(session, "load \"examples/iris.csv\"")
        #expect(Self.loaded.satisfied(by: session, facts: []) == nil)
        #expect(Requirement.dataset(DatasetFilter(name: "penguins")).satisfied(by: session, facts: []) == nil)
    }

    @Test func modelChecksLookAtWhatWasTrained() {
        let session = makeSession()
        run(session, "load \"examples/iris.csv\" as flowers", "tree_1 = train tree on flowers target=species")
        #expect(
            Requirement.model(ModelFilter(algorithm: "tree", target: "species")).satisfied(by: session, facts: [])
                == "tree_1")
        #expect(Requirement.model(ModelFilter(task: "classification")).satisfied(by: session, facts: []) == "tree_1")
        #expect(Requirement.model(ModelFilter(algorithm: "forest")).satisfied(by: session, facts: []) == nil)
    }

    /// What a lesson sees of a line: the effects its handler recorded, and what it ran on (which
    /// the session works out only while a lesson runs).
    private func facts(_ line: String, in session: Session) throws -> [TutorialFact] {
        let evaluation = session.evaluate(line)
        let statement = try #require(try CommandTable.parse(line))
        let spec = try #require(CommandTable.command(named: statement.verb))
        let invocation = try Invocation(signature: spec.signature, statement: statement, line: line)
        return (CellEffect.ran(spec: spec, invocation: invocation, in: session) + evaluation.effects).map(
            TutorialFact.init)
    }

    @Test func factsComeFromWhatACellDid() throws {
        let session = makeSession()
        run(session, "load \"examples/iris.csv\"", "m = train tree on iris target=species")
        let facts =
            try facts("predict m {sepal_length: 5.1, petal_length: 1.4}", in: session)
            + facts("evaluate m on iris", in: session)
            + facts("describe iris", in: session)
        #expect(
            Requirement.predicted(ModelFilter(target: "species"), rows: 1, values: ["sepal_length": "5.10"]).satisfied(
                by: session, facts: facts) == "m")
        #expect(
            Requirement.predicted(ModelFilter(), rows: 150, values: [:]).satisfied(by: session, facts: facts) == nil)
        #expect(Requirement.evaluated(ModelFilter(algorithm: "tree")).satisfied(by: session, facts: facts) == "m")
        #expect(
            Requirement.ran(command: "describe", DatasetFilter(rows: 150)).satisfied(by: session, facts: facts)
                == "iris")
        #expect(Requirement.ran(command: "show", DatasetFilter()).satisfied(by: session, facts: facts) == nil)
    }

    @Test func warnedPredictionsAreToldApart() throws {
        let session = makeSession()
        run(session, "load \"examples/iris.csv\"", "m = train tree on iris target=species")
        let plain = try facts("predict m {sepal_length: 5.1, petal_length: 1.4}", in: session)
        let warned = try facts("predict m {sepal_length: 51, petal_length: 1.4}", in: session)
        let needsWarning = Requirement.predicted(ModelFilter(), rows: 1, values: [:], warned: true)
        #expect(needsWarning.satisfied(by: session, facts: plain) == nil)
        #expect(needsWarning.satisfied(by: session, facts: warned) == "m")
        #expect(
            Requirement.predicted(ModelFilter(), rows: 1, values: [:], warned: false).satisfied(
                by: session, facts: plain) == "m")
    }
}
