// The target's only function is the inline one in include/prefetch.h; SwiftPM wants a source file.
#include "prefetch.h"
