#ifndef WORKBENCH_CEDITLINE_SHIM_H
#define WORKBENCH_CEDITLINE_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <editline/readline.h>

// Swift 6 treats libedit's mutable globals as not concurrency-safe; these accessors keep
// every touch of them in C, called from the single thread that owns the terminal.
typedef char **(*wb_completion_fn)(const char *text, int start, int end);

static inline void wb_set_completion(wb_completion_fn fn) { rl_attempted_completion_function = fn; }
static inline void wb_set_completion_over(int over) { rl_attempted_completion_over = over; }
static inline void wb_set_append_character(int c) { rl_completion_append_character = c; }
static inline const char *wb_line_buffer(void) { return rl_line_buffer; }
static inline int wb_point(void) { return rl_point; }
// Must equal Completion.wordBreakCharacters (a test checks): where the word being completed starts.
static const char *const wb_word_break_characters = " \t\n\"=[],{}:()";
static inline void wb_use_word_break_characters(void) { rl_basic_word_break_characters = (char *)wb_word_break_characters; }
static inline void wb_set_readline_name(const char *name) { rl_readline_name = (char *)name; }
static inline void wb_set_catch_signals(int on) { rl_catch_signals = on; }

#endif
