import Foundation

/// What a path is when it is not a regular file, in words for error messages ("a FIFO (named
/// pipe)"); one place for every reader and writer that refuses such paths.
public enum FileKind {
    /// `mode` is a `stat`'s `st_mode`, of whatever integer type the platform gives it (generic, so
    /// no public declaration names `mode_t`, whose owning module differs between builds).
    public static func describe<Mode: BinaryInteger>(_ mode: Mode) -> String {
        switch Int(mode) & Int(S_IFMT) {
        case Int(S_IFCHR): "a character device"
        case Int(S_IFBLK): "a block device"
        case Int(S_IFIFO): "a FIFO (named pipe)"
        case Int(S_IFSOCK): "a socket"
        case Int(S_IFDIR): "a folder"
        case Int(S_IFLNK): "a symbolic link"
        default: "not a regular file"
        }
    }
}
