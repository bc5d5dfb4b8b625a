import Bundles
import Foundation
import Tabular

/// `workbench keygen`'s files: `PREFIX.pem` (private, 0600) and `PREFIX.pub.pem`, written like every
/// other file (`FileTarget`): an existing key is replaced only when asked, and both files are
/// complete before either is renamed into place.
public enum KeyPairFiles {
    public static func generate(prefix: String, overwrite: Bool) throws {
        let targets = [prefix + ".pem", prefix + ".pub.pem"].map {
            FileTarget(
                path: $0, overwrite: overwrite,
                caveat: "bundles signed with the old key then no longer verify with the new public key")
        }
        let destinations = try targets.map { try $0.destination() }
        let temporaries = destinations.map { TemporaryFiles.temporaryPath(for: $0.path) }
        defer { for path in temporaries { unlink(path) } }
        try BundleSigning.generateKeyPair(privatePath: temporaries[0], publicPath: temporaries[1])
        for i in targets.indices {
            try FileTarget.moveIntoPlace(
                temporaries[i], destinations[i].path, replacing: destinations[i].existingMode != nil,
                shown: targets[i].shown, caveat: targets[i].caveat)
        }
    }
}
