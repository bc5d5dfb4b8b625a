import Diagnostics
import Testing

/// One diagnostic, rendered by each front end: the words are the same, the settings they name are
/// spelled in the front end's syntax.
@Suite("Diagnostics rendered per front end")
struct DiagnosticTests {
    let refused = Diagnostic(
        "x.wbt already exists", remedy: "add \(setting: "overwrite", "yes") to replace it, or choose another path")

    @Test func settingsAreSpelledByTheFrontEnd() {
        #expect(
            refused.rendered(.commandLanguage)
                == "x.wbt already exists\nhint: add overwrite=yes to replace it, or choose another path")
        #expect(
            refused.rendered(.commandLine)
                == "x.wbt already exists\nhint: add --overwrite to replace it, or choose another path")
        #expect(
            refused.renderedOnOneLine(.commandLine)
                == "x.wbt already exists; add --overwrite to replace it, or choose another path")
    }

    @Test func aSettingWithoutAValueAndOneWithAValue() {
        let text: DiagnosticText = "check the separator with \(setting: "sep"), or \(setting: "token_file", "FILE")"
        #expect(text.spelled(.commandLanguage) == "check the separator with sep=, or token_file=FILE")
        #expect(text.spelled(.commandLine) == "check the separator with --sep, or --token-file FILE")
        #expect(
            text.parts == [
                .text("check the separator with "), .setting(name: "sep", value: nil), .text(", or "),
                .setting(name: "token_file", value: "FILE"),
            ])
        let built: DiagnosticText = "did you mean '\("species")'?"
        #expect(built == "did you mean 'species'?")
    }

    @Test func aMessageWithoutRemedyIsOneLine() {
        let plain: Diagnostic = "no bundle at \("b/")"
        #expect(plain.remedy == nil)
        #expect(plain.rendered(.commandLine) == "no bundle at b/")
        #expect(Diagnostic("built elsewhere").rendered(.commandLanguage) == "built elsewhere")
    }

    @Test func nestedTextKeepsItsSettings() {
        let inner: DiagnosticText = "\(setting: "labels"): bad word"
        let outer = Diagnostic("outcome file f.csv: \(inner)")
        #expect(outer.rendered(.commandLine) == "outcome file f.csv: --labels: bad word")
        #expect(outer.rendered(.commandLanguage) == "outcome file f.csv: labels=: bad word")
    }

    struct Refusal: UserFacingError {
        var diagnostic: Diagnostic
    }

    @Test func aUserFacingErrorDescribesItselfInTheCommandLanguage() {
        #expect(Refusal(diagnostic: refused).description == refused.rendered(.commandLanguage))
    }
}
