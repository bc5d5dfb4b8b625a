import Learning
import Tabular

/// The OpenAPI 3 description of the serving API for one model's input schema.
public enum OpenAPIDocument {
    public static func yaml(for pipeline: PipelineModel, name: String) -> String {
        var properties: [String] = []
        for f in pipeline.preprocessor.features {
            let key = quoted(f.name)
            switch f.kind {
            case .number:
                properties.append("        \(key):\n          type: [number, \"null\"]\n          description: \(quoted("training range \(formatNumber(f.minimum)) to \(formatNumber(f.maximum))"))")
            case .text:
                properties.append("        \(key):\n          type: [string, \"null\"]\n          description: \(quoted("known values: " + f.levels.prefix(20).joined(separator: ", ")))")
            }
        }
        let output: String
        if pipeline.task == .classification {
            output = """
                    label:
                      type: string
                      enum: [\(pipeline.target.classes.map(quoted).joined(separator: ", "))]
                    probabilities:
                      type: object
                      additionalProperties: {type: number, minimum: 0, maximum: 1}
            """
        } else {
            output = """
                    value:
                      type: number
            """
        }
        return """
        openapi: 3.1.0
        info:
          title: \(quoted("Workbench model " + name))
          version: "1"
          description: \(quoted("Predicts \(pipeline.target.name) (\(pipeline.task.rawValue)) with a \(pipeline.algorithm) model."))
        paths:
          /v1/predict:
            post:
              summary: Predict one row or a batch of rows
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
                              minItems: 1
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
                '422': {$ref: '#/components/responses/Error'}
          /v1/model:
            get:
              summary: The bundle's manifest
              responses:
                '200': {description: The manifest, content: {application/json: {schema: {type: object}}}}
          /healthz:
            get:
              summary: Liveness
              responses:
                '200': {description: Alive, content: {application/json: {schema: {type: object}}}}
          /readyz:
            get:
              summary: Readiness (model loaded and verified)
              responses:
                '200': {description: Ready, content: {application/json: {schema: {type: object}}}}
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
                    required: [error]
                    properties:
                      error: {type: string}
                      details: {type: array, items: {type: string}}
          schemas:
            Row:
              type: object
              additionalProperties: false
              properties:
        \(properties.joined(separator: "\n"))
            Prediction:
              type: object
              properties:
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
                  items: {$ref: '#/components/schemas/Prediction'}

        """
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

import Foundation
