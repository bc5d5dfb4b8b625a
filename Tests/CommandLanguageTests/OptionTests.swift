import CommandLanguage
import Testing

/// Typed options: the declared default is what help shows and what a handler reads.
@Suite("Typed options")
struct OptionTests {
    enum Shape: String, CaseIterable, Sendable {
        case round
        case square
        case starLike = "star_like"
    }

    @Test func theDefaultIsShownAsItIsRead() {
        let seed: Option<Int> = .integer("seed", 0...9, default: 4, help: "h")
        #expect(seed.spec.defaultText == "4")
        #expect(seed.spec.kind == .integer(0...9))
        #expect(seed.defaultValue == 4)
        let p: Option<Double> = .number("p", 0...1, default: 0.025, help: "h")
        #expect(p.spec.defaultText == "0.025")
        let whole: Option<Double> = .number("w", 0...10, default: 1, help: "h")
        #expect(whole.spec.defaultText == "1")
        let share: Option<Double> = .fraction("share", default: 0.2, help: "h")
        #expect(share.spec.kind == .fraction && share.spec.defaultText == "0.2")
        let on: Option<Bool> = .flag("on", default: true, help: "h")
        let off: Option<Bool> = .flag("off", default: false, help: "h")
        #expect(on.spec.defaultText == "yes" && off.spec.defaultText == "no")
        let shape: Option<Shape> = .choice("shape", default: .square, help: "h")
        #expect(shape.spec.kind == .choice(["round", "square", "star_like"]) && shape.spec.defaultText == "square")
        let some: Option<Shape> = .choice("shape", default: .round, options: [.starLike, .round], help: "h")
        #expect(some.spec.kind == .choice(["star_like", "round"]))
        let none: Option<Int?> = .integer("n", 0...9, help: "h")
        #expect(none.spec.defaultText == nil && none.defaultValue == nil)
        let reworded = seed.help("other words")
        #expect(reworded.spec.help == "other words" && reworded.spec.defaultText == "4")
    }

    @Test func valuesAreReadTyped() throws {
        let shape: Option<Shape> = .choice("shape", default: .square, help: "h")
        let n: Option<Int?> = .integer("n", 0...9, help: "h")
        let share: Option<Double?> = .fraction("share", help: "h")
        let signature = CommandSignature(
            "draw", topic: "t", summary: "s", options: [shape.spec, n.spec, share.spec], examples: [])
        func bind(_ line: String) throws -> Invocation {
            try Invocation(signature: signature, statement: try #require(try Parser.parse(line)), line: line)
        }
        let given = try bind("draw shape=star_like n=3 share=20%")
        #expect(given[shape] == .starLike)
        #expect(given[n] == 3)
        #expect(given[share] == 0.2)
        let quoted = try bind(#"draw shape="round""#)
        #expect(quoted[shape] == .round)
        #expect(quoted[n] == nil && quoted[share] == nil)
        #expect(!quoted.has(n) && quoted.has(shape))
        #expect(throws: LanguageError.self) { try bind("draw shape=oval") }
        #expect(throws: LanguageError.self) { try bind("draw n=12") }
    }
}
