public import Learning
import Tabular

/// The OpenAPI 3.1 description of `workbench serve`'s API for one model's input schema: exactly
/// what the server accepts and answers (Schemathesis checks the two agree).
public enum OpenAPIDocument {
    /// - Parameters:
    ///   - redacted: sensitive columns, whose ranges and categories are left out.
    ///   - maximumRows: the server's rows-per-request limit, when known.
    ///   - perModelRoutes: the server serves several models, so this one's `/v1` routes and its
    ///     metrics are under `/v1/models/NAME/` (`/healthz`, `/readyz` and `/v2` are as always).
    public static func yaml(
        for pipeline: PipelineModel, name: String, redacted: Set<String> = [], maximumRows: Int? = nil,
        perModelRoutes: Bool = false
    ) -> String {
        let text = document(for: pipeline, name: name, redacted: redacted, maximumRows: maximumRows)
        guard perModelRoutes else { return text }
        var segment = CharacterSet.urlPathAllowed
        segment.remove("/")
        let prefix = "/v1/models/" + (name.addingPercentEncoding(withAllowedCharacters: segment) ?? name)
        var routed = text
        for route in ["predict", "feedback", "model", "openapi.yaml", "drift"] {
            routed = routed.replacingOccurrences(
                of: "\n  /v1/\(route):\n", with: "\n  \(quoted(prefix + "/" + route)):\n")
        }
        return routed.replacingOccurrences(of: "\n  /metrics:\n", with: "\n  \(quoted(prefix + "/metrics")):\n")
    }

    private static func document(for pipeline: PipelineModel, name: String, redacted: Set<String>, maximumRows: Int?)
        -> String
    {
        var properties: [String] = []
        for f in pipeline.inputs {
            let key = quoted(f.name)
            switch f.kind {
            case .number where redacted.contains(f.name):
                properties.append("        \(key):\n          type: [number, \"null\"]")
            case .text where f.date != nil && !redacted.contains(f.name):
                let format =
                    f.date.map { "a date written \($0.format), e.g. \($0.example); another format counts as missing" }
                    ?? ""
                properties.append(
                    "        \(key):\n          type: [string, \"null\"]\n          description: \(quoted(format))")
            case .text where redacted.contains(f.name):
                properties.append("        \(key):\n          type: [string, \"null\"]")
            case .number:
                properties.append(
                    "        \(key):\n          type: [number, \"null\"]\n          description: \(quoted("training range \(formatNumber(f.minimum)) to \(formatNumber(f.maximum))"))"
                )
            case .text:
                properties.append(
                    "        \(key):\n          type: [string, \"null\"]\n          description: \(quoted("known values: " + f.levels.prefix(20).joined(separator: ", ")))"
                )
            }
        }
        let required = pipeline.inputs.map { quoted($0.name) }.joined(separator: ", ")
        var output: String
        if pipeline.task == .classification {
            output = """
                      required: [id, label, probabilities, warnings]
                      additionalProperties: false
                      properties:
                        id: {$ref: '#/components/schemas/PredictionID'}
                        label:
                          type: string
                          enum: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]
                        probabilities:
                          type: object
                          required: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]
                          additionalProperties: {type: number, minimum: 0, maximum: 1}
                """
        } else {
            output = """
                      required: [id, value, warnings]
                      additionalProperties: false
                      properties:
                        id: {$ref: '#/components/schemas/PredictionID'}
                        value:
                          type: number
                """
        }
        if let conformal = pipeline.conformal {
            // The conformal set or interval and its coverage level, on every prediction.
            let field = conformal.task == .classification ? "set" : "interval"
            output = output.replacingOccurrences(of: ", warnings]", with: ", \(field), coverage, warnings]")
            output +=
                conformal.task == .classification
                ? "\n        set:\n          type: array\n          items: {type: string, enum: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]}"
                : "\n        interval:\n          type: array\n          items: {type: number}\n          minItems: 2\n          maxItems: 2"
            output += "\n        coverage:\n          type: number\n          minimum: 0\n          maximum: 1"
        }
        let truth =
            pipeline.task == .classification
            ? "label: {type: string, enum: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]}"
            : "value: {type: number}"
        let truthField = pipeline.task == .classification ? "label" : "value"
        return """
            openapi: 3.1.0
            info:
              title: \(quoted("Workbench model " + name))
              version: "1"
              description: \(quoted("Predicts \(pipeline.target.name) (\(pipeline.task.rawValue)) with a \(pipeline.algorithm) model. Served by `workbench serve`: with a token, every route but /healthz and /readyz needs Authorization: Bearer TOKEN."))
            paths:
              /v1/predict:
                post:
                  summary: Predict one row or a batch of rows
                  description: Every input field is required; send null for a missing value. Unknown fields are refused.
                  security: [{}, {bearer: []}]
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema:
                          \(Self.oneOrMany("Row", key: "rows", maximumRows: maximumRows))
                  responses:
                    '200':
                      description: Predictions, one per row, with warnings
                      content:
                        application/json:
                          schema: {$ref: '#/components/schemas/PredictResponse'}
                    '400': {$ref: '#/components/responses/Error'}
                    '401': {$ref: '#/components/responses/Error'}
                    '413': {$ref: '#/components/responses/Error'}
                    '415': {$ref: '#/components/responses/Error'}
                    '422': {$ref: '#/components/responses/Error'}
              /v1/feedback:
                post:
                  summary: Outcomes of served predictions (the true \(truthField)), by the id /v1/predict gave each prediction
                  description: \(quoted("Stored beside the predictions in the server's prediction log (--log). All or nothing: an id with no prediction in the log, or a \(truthField) the model cannot have, is a 422; an id whose outcome is already recorded differently is a 409 (outcomes are written once; the same outcome again is counted as unchanged). Without a prediction log, 409."))
                  security: [{}, {bearer: []}]
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema:
                          \(Self.oneOrMany("Outcome", key: "outcomes", maximumRows: maximumRows))
                  responses:
                    '200':
                      description: Every outcome stored (recorded now, or already recorded alike)
                      content:
                        application/json:
                          schema:
                            type: object
                            required: [recorded, unchanged]
                            additionalProperties: false
                            properties:
                              recorded: {type: integer, minimum: 0}
                              unchanged: {type: integer, minimum: 0}
                    '400': {$ref: '#/components/responses/Error'}
                    '401': {$ref: '#/components/responses/Error'}
                    '409': {$ref: '#/components/responses/Error'}
                    '413': {$ref: '#/components/responses/Error'}
                    '415': {$ref: '#/components/responses/Error'}
                    '422': {$ref: '#/components/responses/Error'}
                    '503': {$ref: '#/components/responses/Error'}
              /v1/model:
                get:
                  summary: The bundle's manifest (ranges and categories of sensitive columns left out)
                  security: [{}, {bearer: []}]
                  responses:
                    '200': {description: The manifest, content: {application/json: {schema: {type: object, required: [modelID, inputs]}}}}
                    '401': {$ref: '#/components/responses/Error'}
              /v1/openapi.yaml:
                get:
                  summary: This document
                  security: [{}, {bearer: []}]
                  responses:
                    '200': {description: The OpenAPI document, content: {application/yaml: {schema: {type: string}}}}
                    '401': {$ref: '#/components/responses/Error'}
              /v1/drift:
                get:
                  summary: Monitoring of the recent predictions against the training data (drift, traffic, alerts)
                  security: [{}, {bearer: []}]
                  responses:
                    '200': {description: The monitoring summary, content: {application/json: {schema: {type: object, required: [model, status, features, alerts, traffic]}}}}
                    '401': {$ref: '#/components/responses/Error'}
              /metrics:
                get:
                  summary: Prometheus metrics
                  security: [{}, {bearer: []}]
                  responses:
                    '200': {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}
                    '401': {$ref: '#/components/responses/Error'}
              /healthz:
                get:
                  summary: Liveness
                  responses:
                    '200': {description: Alive, content: {application/json: {schema: {type: object, required: [status]}}}}
              /readyz:
                get:
                  summary: Readiness (model loaded and verified)
                  responses:
                    '200': {description: Ready, content: {application/json: {schema: {type: object, required: [status, model]}}}}
            \(openInferencePaths(model: name))
            components:
              securitySchemes:
                bearer: {type: http, scheme: bearer}
              responses:
                Error:
                  description: A client error
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [error, details]
                        properties:
                          error: {type: string}
                          details: {type: array, items: {type: string}}
                V2Error:
                  description: An error of the Open Inference Protocol
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [error]
                        additionalProperties: false
                        properties:
                          error: {type: string}
              schemas:
            \(openInferenceSchemas(inputs: pipeline.inputs.map(\.name)))
                Row:
                  type: object
                  additionalProperties: false
                  required: [\(required)]
                  properties:
            \(properties.joined(separator: "\n"))
                PredictionID:
                  description: The prediction's id in the server's prediction log, which /v1/feedback names
                  type: integer
                  minimum: 1
                Outcome:
                  type: object
                  required: [id, \(truthField)]
                  additionalProperties: false
                  properties:
                    id: {type: integer, minimum: 1, maximum: 9007199254740991}
                    \(truth)
                Prediction:
                  type: object
            \(output)
                    warnings:
                      type: array
                      items: {type: string}
                PredictResponse:
                  type: object
                  required: [model, predictions]
                  properties:
                    model: {type: string}
                    predictions:
                      type: array
                      minItems: 1
                      items: {$ref: '#/components/schemas/Prediction'}

            """
    }

    /// The Open Inference Protocol's routes (KServe V2, `/v2`), at the indentation of `paths:`'s entries.
    /// The model is served under its name, version "1" (another name or version is a 404).
    static func openInferencePaths(model name: String) -> String {
        let model = "{name: model, in: path, required: true, schema: {type: string, enum: [\(quoted(name))]}}"
        let version = "{name: version, in: path, required: true, schema: {type: string, enum: [\"1\"]}}"
        var lines = [
            "  /v2:", "    get:", "      summary: Server metadata (Open Inference Protocol)",
            "      security: [{}, {bearer: []}]", "      responses:",
            "        '200': {description: Server metadata, content: {application/json: {schema: {$ref: '#/components/schemas/V2ServerMetadata'}}}}",
            "        '401': {$ref: '#/components/responses/V2Error'}",
        ]
        for (path, what) in [("/v2/health/live", "Liveness"), ("/v2/health/ready", "Readiness")] {
            lines += [
                "  \(path):", "    get:", "      summary: \(what) (Open Inference Protocol; answers without the token)",
                "      responses:",
                "        '200': {description: \(what) (an empty body), content: {text/plain: {schema: {type: string, maxLength: 0}}}}",
            ]
        }
        for prefix in ["/v2/models/{model}", "/v2/models/{model}/versions/{version}"] {
            let parameters = "    parameters: [\(model)\(prefix.hasSuffix("{version}") ? ", " + version : "")]"
            lines += [
                "  \(prefix):", parameters, "    get:", "      summary: Model metadata (Open Inference Protocol)",
                "      security: [{}, {bearer: []}]", "      responses:",
                "        '200': {description: The model's inputs and outputs, content: {application/json: {schema: {$ref: '#/components/schemas/V2ModelMetadata'}}}}",
                "        '401': {$ref: '#/components/responses/V2Error'}",
                "        '404': {$ref: '#/components/responses/V2Error'}",
            ]
            lines += [
                "  \(prefix)/ready:", parameters, "    get:",
                "      summary: Model readiness (Open Inference Protocol)", "      security: [{}, {bearer: []}]",
                "      responses:",
                "        '200': {description: Ready (an empty body), content: {text/plain: {schema: {type: string, maxLength: 0}}}}",
                "        '401': {$ref: '#/components/responses/V2Error'}",
                "        '404': {$ref: '#/components/responses/V2Error'}",
            ]
            lines += [
                "  \(prefix)/infer:", parameters, "    post:",
                "      summary: Inference on a batch of rows, one tensor per input (Open Inference Protocol)",
                "      description: Each input is one tensor of shape [N, 1]; BYTES for text, FP64 for numbers (FP32 and integer types converted); null, NaN or an empty string for a missing value.",
                "      security: [{}, {bearer: []}]",
                "      requestBody:", "        required: true", "        content:", "          application/json:",
                "            schema: {$ref: '#/components/schemas/V2InferenceRequest'}",
                "      responses:",
                "        '200': {description: The output tensors, content: {application/json: {schema: {$ref: '#/components/schemas/V2InferenceResponse'}}}}",
            ]
            for status in ["400", "401", "404", "413", "415"] {
                lines.append("        '\(status)': {$ref: '#/components/responses/V2Error'}")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The Open Inference Protocol's JSON objects, at the indentation of `schemas:`'s entries.
    static func openInferenceSchemas(inputs: [String]) -> String {
        let datatypes =
            "[BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES, BF16]"
        let tensorMetadata =
            "{type: object, required: [name, datatype, shape], properties: {name: {type: string}, datatype: {type: string}, shape: {type: array, items: {type: integer}}}}"
        return [
            "    V2Parameters:", "      type: object", "      additionalProperties: {type: [string, number, boolean]}",
            "    V2ServerMetadata:", "      type: object", "      required: [name, version, extensions]",
            "      properties: {name: {type: string}, version: {type: string}, extensions: {type: array, items: {type: string}}}",
            "    V2ModelMetadata:", "      type: object", "      required: [name, platform, inputs, outputs]",
            "      properties:",
            "        name: {type: string}", "        versions: {type: array, items: {type: string}}",
            "        platform: {type: string}",
            "        inputs: {type: array, items: \(tensorMetadata)}",
            "        outputs: {type: array, items: \(tensorMetadata)}",
            "    V2InferenceRequest:", "      type: object", "      required: [inputs]",
            "      additionalProperties: false", "      properties:",
            "        id: {type: string}", "        parameters: {$ref: '#/components/schemas/V2Parameters'}",
            "        inputs:", "          type: array", "          minItems: 1", "          items:",
            "            type: object",
            "            required: [name, shape, datatype, data]", "            additionalProperties: false",
            "            properties:",
            "              name: {type: string, enum: [\(inputs.map(quoted).joined(separator: ", "))]}",
            "              shape: {type: array, items: {type: integer, minimum: 0}}",
            "              datatype: {type: string, enum: \(datatypes)}",
            "              parameters: {$ref: '#/components/schemas/V2Parameters'}",
            "              data: {type: array}",
            "        outputs:", "          type: array", "          items:", "            type: object",
            "            required: [name]", "            additionalProperties: false",
            "            properties: {name: {type: string}, parameters: {$ref: '#/components/schemas/V2Parameters'}}",
            "    V2InferenceResponse:", "      type: object", "      required: [model_name, outputs]",
            "      properties:",
            "        model_name: {type: string}", "        model_version: {type: string}", "        id: {type: string}",
            "        parameters: {$ref: '#/components/schemas/V2Parameters'}",
            "        outputs:", "          type: array", "          items:", "            type: object",
            "            required: [name, datatype, shape, data]", "            properties:",
            "              name: {type: string}", "              datatype: {type: string}",
            "              shape: {type: array, items: {type: integer, minimum: 0}}",
            "              parameters: {$ref: '#/components/schemas/V2Parameters'}",
            "              data: {type: array}",
        ].joined(separator: "\n")
    }

    /// A request body's schema that is one ITEM or {KEY: [ITEM, …]} with at most `maximumRows`
    /// items: the lines under `schema:` of a route's request body (the first at the caller's place).
    static func oneOrMany(_ item: String, key: String, maximumRows: Int?) -> String {
        let lines =
            [
                "oneOf:", "  - $ref: '#/components/schemas/\(item)'", "  - type: object", "    required: [\(key)]",
                "    additionalProperties: false", "    properties:", "      \(key):", "        type: array",
                "        minItems: 1",
            ]
            + (maximumRows.map { ["        maxItems: \($0)"] } ?? [])
            + ["        items: {$ref: '#/components/schemas/\(item)'}"]
        return lines.enumerated().map { $0.offset == 0 ? $0.element : String(repeating: " ", count: 14) + $0.element }
            .joined(separator: "\n")
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        "\""
            + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

import Foundation
