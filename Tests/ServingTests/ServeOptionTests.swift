import Foundation
import Testing
import TestSupport
@testable import Serving
import Diagnostics

/// `serve`'s options: each has a range, and a value outside it is a usage error naming the option
/// and the range — never a trap, a wrapped port or a timeout that drops every connection.
@Suite("Serving: option ranges", .serialized)
struct ServeOptionTests {
    @Test(arguments: [
        ("1MiB", 1 << 20), ("512KiB", 512 << 10), ("2MB", 2_000_000), ("1000", 1000), ("1GiB", 1 << 30),
        (" 1.5KiB ", 1536),
    ])
    func sizesInRange(text: String, bytes: Int) throws {
        #expect(try ServeOptions.byteCount(text) == bytes)
    }

    @Test(arguments: ["1e300GiB", "1e300", "2GiB", "0", "-1MiB", "nan", "infKiB", "0.1B", "lots", "MiB", ""])
    func sizesOutOfRangeOrNotSizes(text: String) {
        #expect(throws: ServingError.self) { try ServeOptions.byteCount(text) }
    }

    @Test func outOfRangeOptionsNameTheirRange() {
        func problem(_ change: (inout ServeOptions) -> Void) -> String? {
            var options = ServeOptions(bundlePath: "b")
            change(&options)
            do { try options.validate() } catch { return error.diagnostic.rendered(.commandLine) }
            return nil
        }
        #expect(problem { _ in } == nil)
        // The REPL spells the same setting its own way.
        var repl = ServeOptions(bundlePath: "b")
        repl.port = 70_000
        #expect(throws: ServingError.self) { try repl.validate() }
        do { try repl.validate() } catch { #expect(error.description.hasPrefix("port=70000 is out of range")) }
        #expect(
            problem { $0.port = 70_000 }
                == "--port 70000 is out of range: it must be between 0 and 65535 (0: any free port)")
        #expect(problem { $0.port = -1 }?.hasPrefix("--port -1 is out of range") == true)
        #expect(problem { $0.idleTimeout = .milliseconds(0) }?.contains("between 1.0 and 86400.0 seconds") == true)
        #expect(problem { $0.readTimeout = .seconds(100_000) }?.hasPrefix("--read-timeout") == true)
        #expect(problem { $0.maximumRows = 0 }?.hasPrefix("--max-rows 0 is out of range") == true)
        #expect(problem { $0.maximumConnections = 0 }?.hasPrefix("--max-connections 0") == true)
        #expect(problem { $0.maximumBodyBytes = 2 << 30 }?.hasPrefix("--max-body") == true)
    }

    /// The shell: exit 64 (a usage error, as for an unknown option) with the range in the message,
    /// before any bundle is opened.
    @Test(arguments: [
        (["--max-body", "1e300GiB"], "--max-body '1e300GiB' is out of range: it must be between 1 byte and 1GiB"),
        (["--port", "70000"], "--port 70000 is out of range: it must be between 0 and 65535"),
        (
            ["--idle-timeout", "0.0001"],
            "--idle-timeout 0.0001 is out of range: it must be between 1 and 86400 seconds"
        ),
        (["--read-timeout", "1e300"], "--read-timeout 1e+300 is out of range"),
        (["--max-rows", "0"], "--max-rows 0 is out of range"),
        (["--max-connections=-5"], "--max-connections -5 is out of range"),
    ])
    func shellRefusesOutOfRangeOptions(arguments: [String], message: String) throws {
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let serve = try Subprocess(binary, ["serve", "no-such-bundle"] + arguments)
        defer { serve.send(SIGKILL) }
        #expect(serve.wait(timeout: 60) == 64, "\(serve.errorOutput)")
        #expect(serve.errorOutput.contains(message), "\(serve.errorOutput)")
    }

    /// `workbench monitor`: a window that would read without bound or an interval that would trap.
    @Test(arguments: [
        (["--window", "0"], "--window 0 is out of range: it must be between 1 and 100000 rows"),
        (["--window", "1000000000"], "--window 1000000000 is out of range"),
        (["--interval", "nan"], "--interval nan is out of range: it must be between 0.1 and 86400 seconds"),
        (["--interval", "1e300"], "--interval 1e+300 is out of range"),
        (["--interval", "0"], "--interval 0.0 is out of range"),
    ])
    func shellMonitorRefusesOutOfRangeOptions(arguments: [String], message: String) throws {
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let monitor = try Subprocess(binary, ["monitor", "no-such-log.sqlite"] + arguments)
        defer { monitor.send(SIGKILL) }
        #expect(monitor.wait(timeout: 60) == 64, "\(monitor.errorOutput)")
        #expect(monitor.errorOutput.contains(message), "\(monitor.errorOutput)")
    }

    /// `predict` applies serve's number rule: a number too large for a double (read as infinity)
    /// fails its row, as serve answers 422, instead of reaching the model.
    @Test func predictRefusesNonFiniteNumbersLikeServe() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportExamplePenguins(to: folder)
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let input = folder + "/rows.csv"
        try """
        island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
        Torgersen,39.1,18.7,181,3750,male,2007
        Torgersen,1e999,18.7,181,3750,male,2007
        Torgersen,39.1,18.7,181,-inf,male,2007

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let predict = try Subprocess(binary, ["predict", bundle, "--input", input, "--output", folder + "/out.csv"])
        defer { predict.send(SIGKILL) }
        #expect(predict.wait(timeout: 60) == 1, "\(predict.errorOutput)")
        #expect(
            predict.errorOutput.contains("row 2: bill_length_mm: expected a finite number; skipped"),
            "\(predict.errorOutput)")
        #expect(
            predict.errorOutput.contains("row 3: body_mass_g: expected a finite number; skipped"),
            "\(predict.errorOutput)")
        #expect(predict.errorOutput.contains("scored 1 of 3 rows; 2 failed"))

        let server = try await startServer(bundle)
        let row =
            #"{"island": "Torgersen", "bill_length_mm": 1e999, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": "male", "year": 2007}"#
        let answer = try await HTTP.post("/v1/predict", port: server.port, body: row)
        #expect(answer.status == 422)
        #expect((answer.json["details"] as? [String]) == ["bill_length_mm: expected a finite number"])
        await server.shutdown()
    }
}
