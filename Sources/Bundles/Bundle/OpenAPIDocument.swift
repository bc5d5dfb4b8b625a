import Learning
import Tabular

/// The OpenAPI 3.1 description of `workbench serve`'s API for one model's input schema: exactly
/// what the server accepts and answers (Schemathesis checks the two agree).
public enum OpenAPIDocument {
    /// - Parameters:
    ///   - redacted: sensitive columns, whose ranges and categories are left out.
    ///   - maximumRows: the server's rows-per-request limit, when known.
    public static func yaml(for pipeline: PipelineModel, name: String, redacted: Set<String> = [], maximumRows: Int? = nil) -> String {
        var properties: [String] = []
        for f in pipeline.preprocessor.features {
            let key = quoted(f.name)
            switch f.kind {
            case .number where redacted.contains(f.name):
                properties.append("        \(key):\n          type: [number, \"null\"]")
            case .text where f.date != nil && !redacted.contains(f.name):
                let format = f.date.map { "a date written \($0.format), e.g. \($0.example); another format counts as missing" } ?? ""
                properties.append("        \(key):\n          type: [string, \"null\"]\n          description: \(quoted(format))")
            case .text where redacted.contains(f.name):
                properties.append("        \(key):\n          type: [string, \"null\"]")
            case .number:
                properties.append("        \(key):\n          type: [number, \"null\"]\n          description: \(quoted("training range \(formatNumber(f.minimum)) to \(formatNumber(f.maximum))"))")
            case .text:
                properties.append("        \(key):\n          type: [string, \"null\"]\n          description: \(quoted("known values: " + f.levels.prefix(20).joined(separator: ", ")))")
            }
        }
        let required = pipeline.preprocessor.features.map { quoted($0.name) }.joined(separator: ", ")
        var output: String
        if pipeline.task == .classification {
            output = """
                  required: [label, probabilities, warnings]
                  additionalProperties: false
                  properties:
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
                  required: [value, warnings]
                  additionalProperties: false
                  properties:
                    value:
                      type: number
            """
        }
        if let conformal = pipeline.conformal {
            // The conformal set or interval and its coverage level, on every prediction.
            let field = conformal.task == .classification ? "set" : "interval"
            output = output.replacingOccurrences(of: ", warnings]", with: ", \(field), coverage, warnings]")
            output += conformal.task == .classification
                ? "\n        set:\n          type: array\n          items: {type: string, enum: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]}"
                : "\n        interval:\n          type: array\n          items: {type: number}\n          minItems: 2\n          maxItems: 2"
            output += "\n        coverage:\n          type: number\n          minimum: 0\n          maximum: 1"
        }
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
                      oneOf:
                        - $ref: '#/components/schemas/Row'
                        - type: object
                          required: [rows]
                          additionalProperties: false
                          properties:
                            rows:
                              type: array
                              minItems: 1\(maximumRows.map { "\n                      maxItems: \($0)" } ?? "")
                              items: {$ref: '#/components/schemas/Row'}
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
          schemas:
            Row:
              type: object
              additionalProperties: false
              required: [\(required)]
              properties:
        \(properties.joined(separator: "\n"))
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

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

import Foundation
