#ifndef WORKBENCH_CEDITLINE_SHIM_H
#define WORKBENCH_CEDITLINE_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <histedit.h>

// libedit's native API: el_set is variadic and its state global-ish, so the REPL reaches it only
// through these small functions, called from the one thread that owns the terminal.
// (The readline-compatibility layer does not publish the current line to completion hooks.)

typedef unsigned char (*wb_command_fn)(EditLine *, int);

// State lives in a function-local static: a header imported into Swift cannot define globals.
struct wb_state { EditLine *el; History *history; HistEvent event; char prompt[256]; };
static inline struct wb_state *wb_state(void) { static struct wb_state state; return &state; }
#define wb_el (wb_state()->el)
#define wb_history (wb_state()->history)
#define wb_event (wb_state()->event)
#define wb_prompt_buffer (wb_state()->prompt)

static inline char *wb_prompt(EditLine *el) { (void)el; return wb_prompt_buffer; }

/// Opens the editor on stdin/stdout with emacs keys, history, Ctrl-R search and `complete` on Tab.
static inline int wb_open(const char *program, wb_command_fn complete) {
    wb_el = el_init(program, stdin, stdout, stderr);
    if (wb_el == NULL) return -1;
    wb_history = history_init();
    if (wb_history == NULL) return -1;
    history(wb_history, &wb_event, H_SETSIZE, 1000);
    history(wb_history, &wb_event, H_SETUNIQUE, 1);
    el_set(wb_el, EL_EDITOR, "emacs");
    el_set(wb_el, EL_SIGNAL, 1);
    el_set(wb_el, EL_PROMPT, wb_prompt);
    el_set(wb_el, EL_HIST, history, wb_history);
    el_set(wb_el, EL_ADDFN, "wb-complete", "complete a command, name, column or path", complete);
    el_set(wb_el, EL_BIND, "^I", "wb-complete", NULL);
    el_set(wb_el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_set(wb_el, EL_BIND, "^W", "ed-delete-prev-word", NULL);
    el_source(wb_el, NULL);
    return 0;
}

static inline void wb_close(void) {
    if (wb_el) el_end(wb_el);
    if (wb_history) history_end(wb_history);
    wb_el = NULL;
    wb_history = NULL;
}

static inline void wb_set_prompt(const char *text) {
    snprintf(wb_prompt_buffer, sizeof wb_prompt_buffer, "%s", text);
}

/// The next line (with its newline) or NULL at end of input or on an interrupted read.
static inline const char *wb_gets(int *count) { return el_gets(wb_el, count); }

static inline void wb_history_add(const char *line) { history(wb_history, &wb_event, H_ENTER, line); }
static inline void wb_history_clear(void) { history(wb_history, &wb_event, H_CLEAR); }

/// The line being edited: its bytes, length and the cursor's byte offset.
static inline const char *wb_line(EditLine *el, int *length, int *cursor) {
    const LineInfo *info = el_line(el);
    *length = (int)(info->lastchar - info->buffer);
    *cursor = (int)(info->cursor - info->buffer);
    return info->buffer;
}

static inline void wb_delete_before_cursor(EditLine *el, int characters) { el_deletestr(el, characters); }
static inline int wb_insert(EditLine *el, const char *text) { return el_insertstr(el, text); }

static inline unsigned char wb_cc_refresh(void) { return CC_REFRESH; }
static inline unsigned char wb_cc_redisplay(void) { return CC_REDISPLAY; }
static inline unsigned char wb_cc_error(void) { return CC_ERROR; }

#endif
