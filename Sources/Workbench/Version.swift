/// The Workbench release, recorded in transcripts, run records and bundles.
public let workbenchVersion = "0.1.0"
